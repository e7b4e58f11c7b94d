//! Profile invocations: a step run under a resolved agent profile.

use std::sync::{Arc, LazyLock};

use crate::contract::{Field, ModelDef, Ty};
use crate::domain::mission_next::RUNTIME_ACTOR_IDENTITY;

/// The contract of a `ProfileInvocationStarted` payload.
pub static PROFILE_INVOCATION_STARTED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "ProfileInvocationStartedPayload",
        "Emitted when the runtime begins executing a step under a resolved agent profile.",
    )
    .forbid()
    .field(Field::required("mission_id", Ty::nonempty()).doc("Mission identifier"))
    .field(Field::required("run_id", Ty::nonempty()).doc("Run identifier from MissionRunStarted"))
    .field(Field::required("step_id", Ty::nonempty()).doc("Step being executed"))
    .field(Field::required("action", Ty::nonempty()).doc("Bound action name"))
    .field(Field::required("profile_slug", Ty::nonempty()).doc("Resolved agent profile slug"))
    .field(
        Field::optional("profile_version", Ty::nonempty())
            .doc("Profile version if versioned profiles are in use"),
    )
    .field(Field::required("actor", &*RUNTIME_ACTOR_IDENTITY).doc("Runtime actor identity"))
    .field(Field::optional("governance_scope", Ty::nonempty()).doc("Governance scope identifier"))
    .build()
});
