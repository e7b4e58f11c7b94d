//! Mission analytics: token usage and diff summaries for scorecards.

use std::sync::{Arc, LazyLock};

use crate::contract::{Field, FloatTy, IntTy, ModelDef, Ty};
use crate::domain::mission_next::RUNTIME_ACTOR_IDENTITY;
use crate::json::Json;

fn optional_ids(m: ModelDef) -> ModelDef {
    m.field(Field::optional("run_id", Ty::nonempty()).doc("Mission run identifier when available"))
        .field(
            Field::optional("step_id", Ty::nonempty())
                .doc("Mission step identifier when available"),
        )
        .field(
            Field::optional("wp_id", Ty::nonempty()).doc("Work-package identifier when available"),
        )
        .field(Field::optional("phase_name", Ty::nonempty()).doc("Mission phase name when known"))
}

/// Adds two non-negative decimal integers of any length.
fn add_decimal(a: &str, b: &str) -> String {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let (mut i, mut j, mut carry) = (a.len(), b.len(), 0u8);
    while i > 0 || j > 0 || carry > 0 {
        let x = if i > 0 {
            i -= 1;
            a[i] - b'0'
        } else {
            0
        };
        let y = if j > 0 {
            j -= 1;
            b[j] - b'0'
        } else {
            0
        };
        let s = x + y + carry;
        out.push(b'0' + s % 10);
        carry = s / 10;
    }
    out.reverse();
    let text = String::from_utf8(out).unwrap_or_default();
    let trimmed = text.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

fn check_totals(v: &Json<'_>) -> Result<(), String> {
    let n = |k: &str| v.get(k).map(Json::to_json_string).unwrap_or_default();
    if add_decimal(&n("input_tokens"), &n("output_tokens")) == n("total_tokens") {
        Ok(())
    } else {
        Err("total_tokens must equal input_tokens + output_tokens".into())
    }
}

/// The contract of a `TokenUsageRecorded` payload.
pub static TOKEN_USAGE_RECORDED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    let m = ModelDef::new(
        "TokenUsageRecordedPayload",
        "Canonical token and estimated-cost accounting payload.",
    )
    .forbid()
    .field(Field::required("mission_id", Ty::nonempty()).doc("Canonical mission identifier"));
    optional_ids(m)
        .field(
            Field::optional("actor", &*RUNTIME_ACTOR_IDENTITY)
                .doc("Runtime actor identity when available"),
        )
        .field(Field::optional("provider", Ty::nonempty()).doc("LLM provider when available"))
        .field(Field::optional("model", Ty::nonempty()).doc("LLM model when available"))
        .field(Field::required("input_tokens", IntTy::new().ge(0)).doc("Prompt/input token count"))
        .field(
            Field::required("output_tokens", IntTy::new().ge(0))
                .doc("Completion/output token count"),
        )
        .field(Field::required("total_tokens", IntTy::new().ge(0)).doc("Total token count"))
        .field(
            Field::required("estimated_cost_usd", Ty::Float(FloatTy::new().ge(0.0)))
                .doc("Estimated USD cost for the usage record"),
        )
        .field(Field::required("source", Ty::nonempty()).doc("Usage data source identifier"))
        .check(check_totals)
        .build()
});

/// The contract of a `DiffSummaryRecorded` payload.
pub static DIFF_SUMMARY_RECORDED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    let m = ModelDef::new(
        "DiffSummaryRecordedPayload",
        "Canonical git diff summary payload.",
    )
    .forbid()
    .field(Field::required("mission_id", Ty::nonempty()).doc("Canonical mission identifier"));
    optional_ids(m)
        .field(Field::required("base_ref", Ty::nonempty()).doc("Diff base git ref or commit"))
        .field(Field::required("head_ref", Ty::nonempty()).doc("Diff head git ref or commit"))
        .field(
            Field::required("files_changed", IntTy::new().ge(0))
                .doc("Count of files changed in the diff"),
        )
        .field(Field::required("lines_added", IntTy::new().ge(0)).doc("Lines added in the diff"))
        .field(
            Field::required("lines_deleted", IntTy::new().ge(0)).doc("Lines deleted in the diff"),
        )
        .field(Field::required("source", Ty::nonempty()).doc("Diff summary source identifier"))
        .build()
});
