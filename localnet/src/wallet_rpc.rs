//! The JSON-RPC methods wallets, the Solana CLI and the money commands use beyond what the relayer needs:
//! getBalance, getTokenAccountBalance, getTokenAccountsByOwner (`{"mint"}` or `{"programId"}`; base64 or
//! `jsonParsed`), getProgramAccounts (`dataSize` and `memcmp` filters; base64), getMinimumBalanceForRentExemption,
//! requestAirdrop (from the genesis payer, at most [`MAX_AIRDROP_LAMPORTS`]), getVersion, getHealth,
//! getBlockHeight, getEpochInfo. Answers have the shapes of a validator's (`{"context": …, "value": …}` where
//! it has one). The bank cannot list its accounts, so the two searches look among the accounts some landed
//! transaction named (every account this chain's programs create is).

use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;

use crate::embedded::EmbeddedChain;
use trez_relayer::chain::ChainClient;

/// Largest `requestAirdrop`, lamports (1,000 SOL): enough for any local test, a bound on a typo.
pub const MAX_AIRDROP_LAMPORTS: u64 = 1_000 * 1_000_000_000;

fn pubkey(v: &Value) -> Result<Pubkey, String> {
    v.as_str().ok_or("expected a base58 pubkey")?.parse().map_err(|e| format!("invalid pubkey: {e}"))
}

fn ctx(slot: u64) -> Value {
    json!({ "slot": slot, "apiVersion": "3.1.12" })
}

/// The answer of `method` (None: not one of these methods).
pub async fn handle(chain: &EmbeddedChain, slot: u64, method: &str, params: &Value) -> Option<Result<Value, String>> {
    let e = |x: trez_relayer::chain::ChainError| x.to_string();
    let r = async {
        Ok(match method {
            "getBalance" => {
                let lamports = chain.get_account(&pubkey(&params[0])?).await.map_err(e)?.map_or(0, |a| a.lamports);
                json!({ "context": ctx(slot), "value": lamports })
            }
            "getTokenAccountBalance" => {
                let key = pubkey(&params[0])?;
                let acc = chain.get_account(&key).await.map_err(e)?.ok_or_else(|| format!("could not find account {key}"))?;
                let t = TokenFields::of(&acc).ok_or_else(|| format!("{key} is not a token account"))?;
                json!({ "context": ctx(slot), "value": ui_amount(t.amount, mint_decimals(chain, &t.mint).await?) })
            }
            "getMinimumBalanceForRentExemption" => {
                let len = params[0].as_u64().ok_or("expected a data length")?;
                let len = usize::try_from(len).map_err(|_| "data length too large".to_string())?;
                json!(solana_sdk::rent::Rent::default().minimum_balance(len))
            }
            "requestAirdrop" => {
                let to = pubkey(&params[0])?;
                let lamports = params[1].as_u64().ok_or("expected lamports")?;
                if lamports == 0 || lamports > MAX_AIRDROP_LAMPORTS {
                    return Err(format!("airdrop of {lamports} lamports: must be 1..={MAX_AIRDROP_LAMPORTS}"));
                }
                json!(chain.airdrop(&to, lamports).await.map_err(e)?.to_string())
            }
            "getProgramAccounts" => {
                let program = pubkey(&params[0])?;
                let filters = Filters::parse(&params[1]["filters"])?;
                let found = scan(chain, |a| a.owner == program && filters.keep(&a.data)).await.map_err(e)?;
                json!(found.into_iter().map(|(k, a)| json!({ "pubkey": k.to_string(), "account": crate::serve::ui_account(&a) })).collect::<Vec<_>>())
            }
            "getTokenAccountsByOwner" => {
                let owner = pubkey(&params[0])?;
                let (mint, program) = match (&params[1]["mint"], &params[1]["programId"]) {
                    (Value::String(_), _) => (Some(pubkey(&params[1]["mint"])?), None),
                    (_, Value::String(_)) => (None, Some(pubkey(&params[1]["programId"])?)),
                    _ => return Err("expected {\"mint\": …} or {\"programId\": …}".into()),
                };
                let parsed = params[2]["encoding"] == "jsonParsed";
                let found = scan(chain, |a| {
                    TokenFields::of(a).is_some_and(|t| program.is_none_or(|p| p == a.owner) && t.owner == owner && mint.is_none_or(|m| m == t.mint))
                })
                .await
                .map_err(e)?;
                let mut value = vec![];
                for (k, a) in found {
                    let account = if parsed { parsed_token_account(chain, &a).await? } else { json!(crate::serve::ui_account(&a)) };
                    value.push(json!({ "pubkey": k.to_string(), "account": account }));
                }
                json!({ "context": ctx(slot), "value": value })
            }
            "getVersion" => json!({ "solana-core": "3.1.12", "feature-set": 0 }),
            "getHealth" => json!("ok"),
            "getBlockHeight" => json!(slot),
            "getEpochInfo" => json!({ "absoluteSlot": slot, "blockHeight": slot, "epoch": 0, "slotIndex": slot, "slotsInEpoch": 432_000, "transactionCount": null }),
            _ => return Ok(Value::Null),
        })
    };
    match r.await {
        Ok(Value::Null) => None,
        other => Some(other),
    }
}

/// `getProgramAccounts` filters: `{"dataSize": n}` and `{"memcmp": {"offset": o, "bytes": base58}}`.
struct Filters(Vec<(Option<usize>, Option<(usize, Vec<u8>)>)>);

impl Filters {
    fn parse(v: &Value) -> Result<Filters, String> {
        let mut out = vec![];
        for f in v.as_array().map(Vec::as_slice).unwrap_or_default() {
            if let Some(n) = f["dataSize"].as_u64() {
                out.push((Some(usize::try_from(n).map_err(|_| "dataSize too large")?), None));
            } else if f["memcmp"].is_object() {
                let offset = f["memcmp"]["offset"].as_u64().ok_or("memcmp.offset")?;
                let bytes = bs58::decode(f["memcmp"]["bytes"].as_str().ok_or("memcmp.bytes")?).into_vec().map_err(|e| format!("memcmp.bytes: {e}"))?;
                out.push((None, Some((usize::try_from(offset).map_err(|_| "memcmp.offset too large")?, bytes))));
            } else {
                return Err(format!("unsupported filter {f}"));
            }
        }
        Ok(Filters(out))
    }

    fn keep(&self, data: &[u8]) -> bool {
        self.0.iter().all(|(size, cmp)| {
            size.is_none_or(|n| data.len() == n) && cmp.as_ref().is_none_or(|(o, b)| o.checked_add(b.len()).and_then(|end| data.get(*o..end)) == Some(b.as_slice()))
        })
    }
}

/// The accounts some landed transaction named that `keep` accepts, in address order.
async fn scan(chain: &EmbeddedChain, keep: impl Fn(&solana_sdk::account::Account) -> bool) -> Result<Vec<(Pubkey, solana_sdk::account::Account)>, trez_relayer::chain::ChainError> {
    let keys = chain.touched_accounts();
    let mut out = vec![];
    for chunk in keys.chunks(100) {
        for (k, a) in chunk.iter().zip(chain.get_multiple_accounts(chunk).await?) {
            if let Some(a) = a.filter(|a| keep(a)) {
                out.push((*k, a));
            }
        }
    }
    Ok(out)
}

/// A token account in `jsonParsed` form (`{"program": "spl-token", "parsed": {"type": "account", "info": …}}`).
async fn parsed_token_account(chain: &EmbeddedChain, a: &solana_sdk::account::Account) -> Result<Value, String> {
    let TokenFields { mint, owner, amount } = TokenFields::of(a).ok_or("not a token account")?;
    let decimals = mint_decimals(chain, &mint).await?;
    let program = if a.owner == trez_sdk::ids::TOKEN_2022 { "spl-token-2022" } else { "spl-token" };
    let state = match a.data.get(108) { Some(2) => "frozen", Some(1) => "initialized", _ => "uninitialized" };
    Ok(json!({
        "lamports": a.lamports,
        "owner": a.owner.to_string(),
        "executable": false,
        "rentEpoch": a.rent_epoch,
        "space": a.data.len(),
        "data": {
            "program": program,
            "space": a.data.len(),
            "parsed": { "type": "account", "info": { "mint": mint.to_string(), "owner": owner.to_string(), "tokenAmount": ui_amount(amount, decimals), "state": state, "isNative": false } },
        },
    }))
}

/// What this chain reads of an SPL Token (or Token-2022) account: its first 72 bytes, mint, owner and
/// amount (u64 LE).
pub(crate) struct TokenFields {
    pub mint: Pubkey,
    pub owner: Pubkey,
    /// Base units.
    pub amount: u64,
}

impl TokenFields {
    /// None unless `a` is a token program's account of at least the 165 bytes of a token account.
    pub(crate) fn of(a: &solana_sdk::account::Account) -> Option<TokenFields> {
        let token_program = a.owner == trez_sdk::ids::TOKEN || a.owner == trez_sdk::ids::TOKEN_2022;
        if !token_program || a.data.len() < 165 {
            return None;
        }
        Some(TokenFields {
            mint: Pubkey::try_from(&a.data[..32]).ok()?,
            owner: Pubkey::try_from(&a.data[32..64]).ok()?,
            amount: u64::from_le_bytes(a.data[64..72].try_into().ok()?),
        })
    }
}

/// A mint's decimals (byte 44 of the mint account); an error names a missing or malformed mint.
pub(crate) async fn mint_decimals(chain: &EmbeddedChain, mint: &Pubkey) -> Result<u8, String> {
    let m = chain.get_account(mint).await.map_err(|e| e.to_string())?.ok_or_else(|| format!("mint {mint} not found"))?;
    m.data.get(44).copied().ok_or_else(|| format!("{mint} is not a mint"))
}

/// A token amount as RPC answers it: base units as a string, decimals, and the human amount.
pub fn ui_amount(amount: u64, decimals: u8) -> Value {
    let scale = 10f64.powi(i32::from(decimals));
    let whole = amount / 10u64.pow(u32::from(decimals));
    let frac = amount % 10u64.pow(u32::from(decimals));
    let text = if decimals == 0 {
        whole.to_string()
    } else {
        let f = format!("{frac:0width$}", width = usize::from(decimals));
        let f = f.trim_end_matches('0');
        if f.is_empty() { whole.to_string() } else { format!("{whole}.{f}") }
    };
    json!({ "amount": amount.to_string(), "decimals": decimals, "uiAmount": amount as f64 / scale, "uiAmountString": text })
}

#[cfg(test)]
mod tests {
    #[test]
    fn ui_amounts_read_like_a_validators() {
        assert_eq!(super::ui_amount(50_000_000, 6)["uiAmountString"], "50");
        assert_eq!(super::ui_amount(1_250_001, 6)["uiAmountString"], "1.250001");
        assert_eq!(super::ui_amount(1_500_000, 6)["uiAmountString"], "1.5");
        assert_eq!(super::ui_amount(7, 0)["uiAmountString"], "7");
        assert_eq!(super::ui_amount(7, 6)["amount"], "7");
    }
}
