//! CI gate outcomes: `GatePassed` and `GateFailed`, and the check-run conclusion mapping.

use std::sync::{Arc, LazyLock};

use crate::contract::{Field, IntTy, ModelDef, Ty};

/// Event type of a passed gate.
pub const GATE_PASSED: &str = "GatePassed";
/// Event type of a failed gate.
pub const GATE_FAILED: &str = "GateFailed";

fn gate_model(
    name: &'static str,
    doc: &'static str,
    conclusion: Ty,
    conclusion_doc: &'static str,
) -> Arc<ModelDef> {
    ModelDef::new(name, doc)
        .field(
            Field::required("gate_name", Ty::nonempty())
                .doc("Name of the CI gate (e.g., 'ci/build', 'ci/lint')"),
        )
        .field(
            Field::required("gate_type", Ty::literal_str("ci"))
                .doc("Type of gate. Currently only 'ci' is supported."),
        )
        .field(Field::required("conclusion", conclusion).doc(conclusion_doc))
        .field(
            Field::required("external_provider", Ty::literal_str("github"))
                .doc("External CI provider. Currently only 'github' is supported."),
        )
        .field(
            Field::required("check_run_id", IntTy::new().gt(0).strict()).doc("GitHub check run ID"),
        )
        .field(Field::required("check_run_url", Ty::AnyHttpUrl).doc("URL of the GitHub check run"))
        .field(
            Field::required("delivery_id", Ty::nonempty())
                .doc("Webhook delivery ID used as idempotency key"),
        )
        .field(
            Field::optional("pr_number", IntTy::new().gt(0).strict())
                .doc("Pull request number, if the gate is associated with a PR"),
        )
        .build()
}

/// The contract of a `GatePassed` payload.
pub static GATE_PASSED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    gate_model(
        "GatePassedPayload",
        "Payload for a CI gate that passed.",
        Ty::literal_str("success"),
        "Allowed GitHub check_run conclusion for passed gates.",
    )
});

/// The contract of a `GateFailed` payload.
pub static GATE_FAILED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    gate_model(
        "GateFailedPayload",
        "Payload for a CI gate that failed (failure, timed out, cancelled or action required).",
        Ty::literal_strs(&["failure", "timed_out", "cancelled", "action_required"]),
        "Allowed GitHub check_run conclusions for failed gates.",
    )
});

/// A check-run conclusion outside the known set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Unknown check_run conclusion: '{0}'. Known values: success, failure, timed_out, cancelled, action_required, neutral, skipped, stale"
)]
pub struct UnknownConclusion(pub String);

/// Maps a GitHub check-run conclusion (lower case, as GitHub sends it) to the gate event
/// type it produces: `GatePassed`, `GateFailed`, or `None` for the non-blocking
/// conclusions (`neutral`, `skipped`, `stale`).
///
/// ```
/// use spec_kitty_events::domain::gates::map_check_run_conclusion;
/// assert_eq!(map_check_run_conclusion("success"), Ok(Some("GatePassed")));
/// assert_eq!(map_check_run_conclusion("timed_out"), Ok(Some("GateFailed")));
/// assert_eq!(map_check_run_conclusion("neutral"), Ok(None));
/// assert!(map_check_run_conclusion("SUCCESS").is_err());
/// ```
pub fn map_check_run_conclusion(
    conclusion: &str,
) -> Result<Option<&'static str>, UnknownConclusion> {
    match conclusion {
        "success" => Ok(Some(GATE_PASSED)),
        "failure" | "timed_out" | "cancelled" | "action_required" => Ok(Some(GATE_FAILED)),
        "neutral" | "skipped" | "stale" => Ok(None),
        other => Err(UnknownConclusion(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strict_ids_refuse_lax_forms() {
        let base = json!({"gate_name": "ci/build", "gate_type": "ci", "conclusion": "success",
            "external_provider": "github", "check_run_id": 7, "check_run_url": "https://github.com/o/r/runs/7",
            "delivery_id": "d-1"});
        assert!(GATE_PASSED_PAYLOAD.validate(&base).is_ok());
        for bad in [json!("7"), json!(7.0), json!(true), json!(0)] {
            let mut v = base.clone();
            v["check_run_id"] = bad;
            assert!(GATE_PASSED_PAYLOAD.validate(&v).is_err());
        }
        assert!(GATE_FAILED_PAYLOAD.validate(&json!({})).is_err());
    }
}
