//! Connector lifecycle: provisioning, health checks, degradation, revocation,
//! reconnection, per-user connections, and the connector reducer.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use crate::contract::{Field, FloatTy, ModelDef, StrTy, Ty, render_report};
use crate::envelope::{Event, EventRef};
use crate::error::Result;
use crate::json::{Json, py};
use crate::projection::{Prepared, Projection, prepare, release, replay_all};

/// `ConnectorProvisioned`.
pub const CONNECTOR_PROVISIONED: &str = "ConnectorProvisioned";
/// `ConnectorHealthChecked`.
pub const CONNECTOR_HEALTH_CHECKED: &str = "ConnectorHealthChecked";
/// `ConnectorDegraded`.
pub const CONNECTOR_DEGRADED: &str = "ConnectorDegraded";
/// `ConnectorRevoked`.
pub const CONNECTOR_REVOKED: &str = "ConnectorRevoked";
/// `ConnectorReconnected`.
pub const CONNECTOR_RECONNECTED: &str = "ConnectorReconnected";
/// `UserConnected`.
pub const USER_CONNECTED: &str = "UserConnected";
/// `UserDisconnected`.
pub const USER_DISCONNECTED: &str = "UserDisconnected";

str_enum!(
    /// State of a connector binding.
    ConnectorState, CONNECTOR_STATE, "", {
        /// Set up.
        Provisioned = "provisioned",
        /// Working.
        Healthy = "healthy",
        /// Partly working.
        Degraded = "degraded",
        /// Access withdrawn.
        Revoked = "revoked",
        /// Back after a failure.
        Reconnected = "reconnected",
    }
);

str_enum!(
    /// Result of a health check.
    HealthStatus, HEALTH_STATUS, "", {
        /// Fine.
        Healthy = "healthy",
        /// Partly working.
        Degraded = "degraded",
        /// Not reachable.
        Unreachable = "unreachable",
    }
);

str_enum!(
    /// How a connector reconnects.
    ReconnectStrategy, RECONNECT_STRATEGY, "", {
        /// By itself.
        Automatic = "automatic",
        /// By a person.
        Manual = "manual",
        /// With backoff.
        Backoff = "backoff",
    }
);

/// The fields every connector payload shares, in order, then `extra` fields.
fn connector_model(
    name: &'static str,
    doc: &'static str,
    extra: Vec<Field>,
    user_id: Field,
) -> Arc<ModelDef> {
    let mut m = ModelDef::new(name, doc)
        .field(Field::required("connector_id", Ty::nonempty()))
        .field(Field::required("connector_type", Ty::nonempty()))
        .field(Field::required("provider", Ty::nonempty()))
        .field(Field::required("mission_id", Ty::nonempty()))
        .field(Field::required("project_uuid", Ty::Uuid))
        .field(Field::required("actor_id", Ty::nonempty()))
        .field(Field::required(
            "actor_type",
            StrTy::new().pattern("^(human|service|system)$"),
        ))
        .field(Field::required("endpoint_url", Ty::AnyHttpUrl))
        .field(Field::required("recorded_at", Ty::DateTime));
    for f in extra {
        m = m.field(f);
    }
    m.field(user_id).build()
}

fn optional_user() -> Field {
    Field::with_default("user_id", Ty::optional(Ty::str()), Value::Null)
}

/// The contract of a `ConnectorProvisioned` payload.
pub static CONNECTOR_PROVISIONED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    connector_model(
        "ConnectorProvisionedPayload",
        "Payload for ConnectorProvisioned events.",
        vec![
            Field::required("credentials_ref", Ty::nonempty()),
            Field::required("config_hash", Ty::nonempty()),
        ],
        optional_user(),
    )
});

/// The contract of a `ConnectorHealthChecked` payload.
pub static CONNECTOR_HEALTH_CHECKED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    connector_model(
        "ConnectorHealthCheckedPayload",
        "Payload for ConnectorHealthChecked events.",
        vec![
            Field::required("health_status", Ty::Enum(&HEALTH_STATUS)),
            Field::required("latency_ms", Ty::Float(FloatTy::new().ge(0.0))),
        ],
        optional_user(),
    )
});

/// The contract of a `ConnectorDegraded` payload.
pub static CONNECTOR_DEGRADED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    connector_model(
        "ConnectorDegradedPayload",
        "Payload for ConnectorDegraded events.",
        vec![
            Field::required("degradation_reason", Ty::nonempty()),
            Field::required("last_healthy_at", Ty::DateTime),
        ],
        optional_user(),
    )
});

/// The contract of a `ConnectorRevoked` payload.
pub static CONNECTOR_REVOKED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    connector_model(
        "ConnectorRevokedPayload",
        "Payload for ConnectorRevoked events.",
        vec![Field::required("revocation_reason", Ty::nonempty())],
        optional_user(),
    )
});

/// The contract of a `ConnectorReconnected` payload.
pub static CONNECTOR_RECONNECTED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    connector_model(
        "ConnectorReconnectedPayload",
        "Payload for ConnectorReconnected events.",
        vec![
            Field::required("previous_state", Ty::Enum(&CONNECTOR_STATE)),
            Field::required("reconnect_strategy", Ty::Enum(&RECONNECT_STRATEGY)),
        ],
        optional_user(),
    )
});

/// The contract of a `UserConnected` payload.
pub static USER_CONNECTED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    connector_model(
        "UserConnectedPayload",
        "Payload for UserConnected events.",
        vec![],
        Field::required("user_id", Ty::nonempty()),
    )
});

/// The contract of a `UserDisconnected` payload.
pub static USER_DISCONNECTED_PAYLOAD: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    let base = connector_model(
        "UserDisconnectedPayload",
        "Payload for UserDisconnected events.",
        vec![],
        Field::required("user_id", Ty::nonempty()),
    );
    let mut m = (*base).clone();
    m.fields.push(Field::with_default(
        "reason",
        Ty::str(),
        Value::String(String::new()),
    ));
    Arc::new(m)
});

/// The contract of a per-user roster entry.
pub static USER_CONNECTION_STATUS: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "UserConnectionStatus",
        "Per-user connection state entry in ReducedConnectorState roster.",
    )
    .field(Field::required("user_id", Ty::str()))
    .field(Field::required("state", Ty::Enum(&CONNECTOR_STATE)))
    .field(Field::with_default(
        "last_event_at",
        Ty::optional(Ty::DateTime),
        Value::Null,
    ))
    .build()
});

fn payload_model(event_type: &str) -> Option<&'static ModelDef> {
    Some(match event_type {
        CONNECTOR_PROVISIONED => &CONNECTOR_PROVISIONED_PAYLOAD,
        CONNECTOR_HEALTH_CHECKED => &CONNECTOR_HEALTH_CHECKED_PAYLOAD,
        CONNECTOR_DEGRADED => &CONNECTOR_DEGRADED_PAYLOAD,
        CONNECTOR_REVOKED => &CONNECTOR_REVOKED_PAYLOAD,
        CONNECTOR_RECONNECTED => &CONNECTOR_RECONNECTED_PAYLOAD,
        USER_CONNECTED => &USER_CONNECTED_PAYLOAD,
        USER_DISCONNECTED => &USER_DISCONNECTED_PAYLOAD,
        _ => return None,
    })
}

fn target_state(event_type: &str) -> Option<ConnectorState> {
    Some(match event_type {
        CONNECTOR_PROVISIONED | USER_CONNECTED => ConnectorState::Provisioned,
        CONNECTOR_HEALTH_CHECKED => ConnectorState::Healthy,
        CONNECTOR_DEGRADED => ConnectorState::Degraded,
        CONNECTOR_REVOKED | USER_DISCONNECTED => ConnectorState::Revoked,
        CONNECTOR_RECONNECTED => ConnectorState::Reconnected,
        _ => return None,
    })
}

fn allowed(from: Option<ConnectorState>, to: ConnectorState) -> bool {
    use ConnectorState::*;
    match from {
        None => to == Provisioned,
        Some(Provisioned) => matches!(to, Healthy | Degraded | Revoked),
        Some(Healthy) => matches!(to, Degraded | Revoked),
        Some(Degraded) => matches!(to, Healthy | Revoked | Reconnected),
        Some(Revoked) => to == Reconnected,
        Some(Reconnected) => matches!(to, Healthy | Degraded | Revoked),
    }
}

/// Validates an event's payload against `model`; on failure, the anomaly message the
/// reference writes (`Payload validation failed for 'Type': <report>`).
pub(crate) fn validated_payload<'b>(
    model: &'b ModelDef,
    event_type: &str,
    payload: &'b Json<'_>,
) -> std::result::Result<Json<'b>, String> {
    model.validate_json(payload).map_err(|errors| {
        format!(
            "Payload validation failed for {}: {}",
            py::str_repr(event_type),
            render_report(model.name, &errors)
        )
    })
}

/// A non-fatal issue met while reducing connector events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorAnomaly {
    /// `invalid_transition`, `unknown_event_type` or `malformed_payload`.
    pub kind: String,
    /// The event.
    pub event_id: String,
    /// What was wrong.
    pub message: String,
}

/// One user's connection in the roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserConnectionStatus {
    /// The user.
    pub user_id: String,
    /// Their connection state.
    pub state: ConnectorState,
    /// When it last changed.
    pub last_event_at: Option<String>,
}

/// The projected state of a connector.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReducedConnectorState {
    /// The connector of the last applied transition.
    pub connector_id: Option<String>,
    /// Current binding state.
    pub current_state: Option<ConnectorState>,
    /// Provider of the last applied transition.
    pub provider: Option<String>,
    /// `recorded_at` of the last applied health check.
    pub last_health_check: Option<String>,
    /// Issues met.
    pub anomalies: Vec<ConnectorAnomaly>,
    /// Distinct events seen (all types).
    pub event_count: u64,
    /// `(event_id, state)` per applied transition.
    pub transition_log: Vec<(String, String)>,
    /// Per-user roster, sorted by user id.
    pub user_connections: Vec<UserConnectionStatus>,
}

/// The payload fields the connector reducer reads, from a validated payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorFields {
    connector_id: Option<String>,
    provider: Option<String>,
    recorded_at: Option<String>,
    user_id: Option<String>,
}

/// What the connector reducer keeps of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConnectorItem {
    /// A connector event: its type, and its fields or the `malformed_payload` message.
    Event(
        Cow<'static, str>,
        std::result::Result<ConnectorFields, String>,
    ),
    /// Any other event: counted only.
    Other,
}

/// The connector event types, in the order of [`payload_model`].
const CONNECTOR_EVENT_TYPES: [&str; 7] = [
    CONNECTOR_PROVISIONED,
    CONNECTOR_HEALTH_CHECKED,
    CONNECTOR_DEGRADED,
    CONNECTOR_REVOKED,
    CONNECTOR_RECONNECTED,
    USER_CONNECTED,
    USER_DISCONNECTED,
];

/// The connector reducer as a [`Projection`]: the connector's state, transition log and
/// per-user roster.
///
/// Binding events follow the transition rules (anything else is an `invalid_transition`
/// anomaly, malformed payloads a `malformed_payload` one); user events only update the
/// roster. `event_count` counts every distinct event. The fold is event by event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConnectorProjection {
    st: ReducedConnectorState,
    roster: BTreeMap<String, (ConnectorState, Option<String>)>,
}

impl ConnectorProjection {
    fn apply_one(
        &mut self,
        event_id: &str,
        event_type: &str,
        fields: &std::result::Result<ConnectorFields, String>,
    ) {
        let s = &mut self.st;
        let Some(target) = target_state(event_type) else {
            return;
        };
        let p = match fields {
            Ok(p) => p,
            Err(message) => {
                s.anomalies.push(ConnectorAnomaly {
                    kind: "malformed_payload".into(),
                    event_id: event_id.to_owned(),
                    message: message.clone(),
                });
                return;
            }
        };
        let recorded_at = p.recorded_at.clone();
        let user_id = p.user_id.clone().filter(|u| !u.is_empty());
        if matches!(event_type, USER_CONNECTED | USER_DISCONNECTED) {
            if let Some(user) = user_id {
                if event_type == USER_DISCONNECTED && !self.roster.contains_key(&user) {
                    s.anomalies.push(ConnectorAnomaly {
                        kind: "invalid_transition".into(),
                        event_id: event_id.to_owned(),
                        message: format!(
                            "UserDisconnected for user {} who has no prior connection event",
                            py::str_repr(&user)
                        ),
                    });
                }
                self.roster.insert(user, (target, recorded_at));
            }
            return;
        }
        if !allowed(s.current_state, target) {
            s.anomalies.push(ConnectorAnomaly {
                kind: "invalid_transition".into(),
                event_id: event_id.to_owned(),
                message: format!(
                    "Invalid transition: {} -> {}",
                    s.current_state.map_or("None", ConnectorState::as_str),
                    target.as_str()
                ),
            });
            return;
        }
        s.current_state = Some(target);
        s.connector_id = p.connector_id.clone();
        s.provider = p.provider.clone();
        s.transition_log
            .push((event_id.to_owned(), target.as_str().to_owned()));
        if event_type == CONNECTOR_HEALTH_CHECKED {
            s.last_health_check = recorded_at.clone();
        }
        if let Some(user) = user_id {
            self.roster.insert(user, (target, recorded_at));
        }
    }
}

impl Projection for ConnectorProjection {
    type Item = ConnectorItem;
    type State = ReducedConnectorState;

    fn needs_payload(event_type: &str) -> bool {
        CONNECTOR_EVENT_TYPES.contains(&event_type)
    }

    fn prepare(event: &EventRef<'_>) -> Option<ConnectorItem> {
        let Some(etype) = CONNECTOR_EVENT_TYPES
            .iter()
            .find(|t| **t == event.event_type)
        else {
            return Some(ConnectorItem::Other);
        };
        let model = payload_model(etype)?;
        let fields = validated_payload(model, etype, event.payload).map(|p| {
            let text = |k: &str| p.get_str(k).map(str::to_owned);
            ConnectorFields {
                connector_id: text("connector_id"),
                provider: text("provider"),
                recorded_at: text("recorded_at"),
                user_id: text("user_id"),
            }
        });
        Some(ConnectorItem::Event(Cow::Borrowed(etype), fields))
    }

    fn apply(&mut self, events: Vec<Prepared<ConnectorItem>>) -> Result<()> {
        self.st.event_count += events.len() as u64;
        for p in &events {
            if let ConnectorItem::Event(etype, fields) = &p.item {
                self.apply_one(p.event_id(), etype, fields);
            }
        }
        release(events);
        Ok(())
    }

    fn state(&self) -> Result<ReducedConnectorState> {
        self.clone().into_state()
    }

    fn into_state(self) -> Result<ReducedConnectorState> {
        let mut s = self.st;
        s.user_connections = self
            .roster
            .into_iter()
            .map(|(user_id, (state, last_event_at))| UserConnectionStatus {
                user_id,
                state,
                last_event_at,
            })
            .collect();
        Ok(s)
    }
}

/// Replays connector events: a full reduction with [`ConnectorProjection`]. The result
/// equals the reference's.
pub fn reduce_connector_events<'a>(
    events: impl IntoIterator<Item = &'a Event>,
) -> ReducedConnectorState {
    replay_all(
        ConnectorProjection::default(),
        prepare::<ConnectorProjection>(events),
    )
    .unwrap_or_default()
}
