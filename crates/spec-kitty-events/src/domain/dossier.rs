//! Mission dossier: artifact identity, content hashes, provenance, the namespace tuple that
//! scopes a parity baseline, the four dossier event payloads and the dossier reducer.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Number;
use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use crate::contract::{Field, FieldError, IntTy, ModelDef, SeqKind, Ty};
use crate::envelope::{Event, EventRef};
use crate::error::{Error, Result};
use crate::json::{Json, py};
use crate::projection::{Prepared, Projection, prepare, replay_all};

/// Event type: an artifact was indexed.
pub const MISSION_DOSSIER_ARTIFACT_INDEXED: &str = "MissionDossierArtifactIndexed";
/// Event type: an expected artifact is absent.
pub const MISSION_DOSSIER_ARTIFACT_MISSING: &str = "MissionDossierArtifactMissing";
/// Event type: a dossier snapshot hash was computed.
pub const MISSION_DOSSIER_SNAPSHOT_COMPUTED: &str = "MissionDossierSnapshotComputed";
/// Event type: the dossier no longer matches its parity baseline.
pub const MISSION_DOSSIER_PARITY_DRIFT_DETECTED: &str = "MissionDossierParityDriftDetected";

/// Every dossier event type.
pub const DOSSIER_EVENT_TYPES: [&str; 4] = [
    MISSION_DOSSIER_ARTIFACT_INDEXED,
    MISSION_DOSSIER_ARTIFACT_MISSING,
    MISSION_DOSSIER_SNAPSHOT_COMPUTED,
    MISSION_DOSSIER_PARITY_DRIFT_DETECTED,
];

/// Artifact taxonomy values.
pub const ARTIFACT_CLASSES: [&str; 6] = [
    "input", "workflow", "output", "evidence", "policy", "runtime",
];
/// Kinds of parity drift.
pub const DRIFT_KINDS: [&str; 6] = [
    "artifact_added",
    "artifact_removed",
    "artifact_mutated",
    "anomaly_introduced",
    "anomaly_resolved",
    "manifest_version_changed",
];
/// Content hash algorithms.
pub const HASH_ALGORITHMS: [&str; 3] = ["sha256", "sha512", "md5"];
/// Kinds of actor named in a provenance reference.
pub const PROVENANCE_ACTOR_KINDS: [&str; 3] = ["human", "llm", "system"];

/// Renders a string as Python's `repr()` does.
pub(crate) fn py_str_repr(s: &str) -> String {
    py::str_repr(s)
}

/// The namespace that scopes a parity baseline (the manifest version lives only here).
pub static LOCAL_NAMESPACE_TUPLE: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "LocalNamespaceTuple",
        "Smallest key that keeps parity baselines of different missions and branches apart.",
    )
    .forbid()
    .field(Field::required("project_uuid", Ty::nonempty()))
    .field(Field::required("mission_slug", Ty::nonempty()))
    .field(Field::required("target_branch", Ty::nonempty()))
    .field(Field::required("mission_type", Ty::nonempty()))
    .field(Field::required("manifest_version", Ty::nonempty()))
    .field(Field::optional("step_id", Ty::str()))
    .build()
});

/// The identity of one artifact (its class is recorded only here).
pub static ARTIFACT_IDENTITY: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "ArtifactIdentity",
        "Identity of one artifact instance, including its taxonomy class.",
    )
    .forbid()
    .field(Field::required("mission_type", Ty::nonempty()))
    .field(Field::required("path", Ty::nonempty()).doc("Path relative to the repository root"))
    .field(Field::required(
        "artifact_class",
        Ty::literal_strs(&ARTIFACT_CLASSES),
    ))
    .field(Field::optional("run_id", Ty::str()))
    .field(Field::optional("wp_id", Ty::str()))
    .build()
});

/// A content fingerprint.
pub static CONTENT_HASH_REF: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "ContentHashRef",
        "Fingerprint of an artifact's content, with optional size and encoding.",
    )
    .forbid()
    .field(Field::required("hash", Ty::nonempty()).doc("Content hash in hexadecimal"))
    .field(Field::required(
        "algorithm",
        Ty::literal_strs(&HASH_ALGORITHMS),
    ))
    .field(Field::optional("size_bytes", IntTy::new().ge(0)))
    .field(Field::optional("encoding", Ty::str()))
    .build()
});

/// Where an artifact or event comes from.
pub static PROVENANCE_REF: LazyLock<Arc<ModelDef>> = LazyLock::new(|| {
    ModelDef::new(
        "ProvenanceRef",
        "Trace from an artifact or event back to its authoritative origin.",
    )
    .forbid()
    .field(Field::optional(
        "source_event_ids",
        Ty::seq(SeqKind::Tuple, Ty::str(), None, None),
    ))
    .field(Field::optional("git_sha", Ty::str()))
    .field(Field::optional("git_ref", Ty::str()))
    .field(Field::optional("actor_id", Ty::str()))
    .field(Field::optional(
        "actor_kind",
        Ty::literal_strs(&PROVENANCE_ACTOR_KINDS),
    ))
    .field(Field::optional("revised_at", Ty::str()).doc("ISO 8601 time"))
    .build()
});

fn diagnostics() -> Field {
    Field::optional("context_diagnostics", Ty::dict(Ty::str()))
}

/// The contract of a `MissionDossierArtifactIndexed` payload.
pub static MISSION_DOSSIER_ARTIFACT_INDEXED_PAYLOAD: LazyLock<Arc<ModelDef>> =
    LazyLock::new(|| {
        ModelDef::new(
            "MissionDossierArtifactIndexedPayload",
            "Payload of MissionDossierArtifactIndexed: one artifact entered the dossier index.",
        )
        .forbid()
        .field(
            Field::required("namespace", &*LOCAL_NAMESPACE_TUPLE)
                .doc("Scope of the index, manifest version included"),
        )
        .field(
            Field::required("artifact_id", &*ARTIFACT_IDENTITY)
                .doc("Identity of the artifact, class included"),
        )
        .field(Field::required("content_ref", &*CONTENT_HASH_REF))
        .field(Field::required("indexed_at", Ty::str()).doc("ISO 8601 time"))
        .field(Field::optional("provenance", &*PROVENANCE_REF))
        .field(Field::optional("step_id", Ty::str()))
        .field(Field::optional("supersedes", &*ARTIFACT_IDENTITY))
        .field(diagnostics())
        .build()
    });

/// The contract of a `MissionDossierArtifactMissing` payload.
pub static MISSION_DOSSIER_ARTIFACT_MISSING_PAYLOAD: LazyLock<Arc<ModelDef>> =
    LazyLock::new(|| {
        ModelDef::new(
            "MissionDossierArtifactMissingPayload",
            "Payload of MissionDossierArtifactMissing: an expected artifact was not found.",
        )
        .forbid()
        .field(Field::required("namespace", &*LOCAL_NAMESPACE_TUPLE))
        .field(
            Field::required("expected_identity", &*ARTIFACT_IDENTITY)
                .doc("Path and class of the artifact that is absent"),
        )
        .field(
            Field::required("manifest_step", Ty::nonempty())
                .doc("\"required_always\" or the step that requires the artifact"),
        )
        .field(Field::required("checked_at", Ty::str()).doc("ISO 8601 time"))
        .field(Field::optional("last_known_ref", &*PROVENANCE_REF))
        .field(Field::optional("remediation_hint", Ty::str()))
        .field(diagnostics())
        .build()
    });

/// The contract of a `MissionDossierSnapshotComputed` payload.
pub static MISSION_DOSSIER_SNAPSHOT_COMPUTED_PAYLOAD: LazyLock<Arc<ModelDef>> =
    LazyLock::new(|| {
        ModelDef::new(
            "MissionDossierSnapshotComputedPayload",
            "Payload of MissionDossierSnapshotComputed: a deterministic hash over the dossier.",
        )
        .forbid()
        .field(
            Field::required("namespace", &*LOCAL_NAMESPACE_TUPLE)
                .doc("Scope of the snapshot; the only place the manifest version appears"),
        )
        .field(
            Field::required("snapshot_hash", Ty::nonempty())
                .doc("Deterministic hash in hexadecimal"),
        )
        .field(Field::required("artifact_count", IntTy::new().ge(0)))
        .field(Field::required("anomaly_count", IntTy::new().ge(0)))
        .field(Field::required("computed_at", Ty::str()).doc("ISO 8601 time"))
        .field(Field::optional(
            "algorithm",
            Ty::literal_strs(&HASH_ALGORITHMS),
        ))
        .field(diagnostics())
        .build()
    });

/// The contract of a `MissionDossierParityDriftDetected` payload.
pub static MISSION_DOSSIER_PARITY_DRIFT_DETECTED_PAYLOAD: LazyLock<Arc<ModelDef>> =
    LazyLock::new(|| {
        ModelDef::new(
            "MissionDossierParityDriftDetectedPayload",
            "Payload of MissionDossierParityDriftDetected: the dossier hash left its baseline.",
        )
        .forbid()
        .field(Field::required("namespace", &*LOCAL_NAMESPACE_TUPLE))
        .field(Field::required("expected_hash", Ty::nonempty()))
        .field(Field::required("actual_hash", Ty::nonempty()))
        .field(Field::required(
            "drift_kind",
            Ty::literal_strs(&DRIFT_KINDS),
        ))
        .field(Field::required("detected_at", Ty::str()).doc("ISO 8601 time"))
        .field(Field::optional(
            "artifact_ids_changed",
            Ty::seq(SeqKind::Tuple, &*ARTIFACT_IDENTITY, None, None),
        ))
        .field(Field::optional("rebuild_hint", Ty::str()))
        .field(diagnostics())
        .build()
    });

/// A validated namespace tuple.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalNamespaceTuple {
    /// Project.
    pub project_uuid: String,
    /// Mission.
    pub mission_slug: String,
    /// Branch the mission targets.
    pub target_branch: String,
    /// Mission type.
    pub mission_type: String,
    /// Manifest version.
    pub manifest_version: String,
    /// Step, when the namespace is step-scoped.
    pub step_id: Option<String>,
}

impl LocalNamespaceTuple {
    /// The identity key: every field but `step_id`.
    pub fn key(&self) -> [&str; 5] {
        [
            &self.project_uuid,
            &self.mission_slug,
            &self.target_branch,
            &self.mission_type,
            &self.manifest_version,
        ]
    }

    /// The tuple as Python's `repr()` of the reference model prints it.
    pub fn py_repr(&self) -> String {
        format!(
            "LocalNamespaceTuple(project_uuid={}, mission_slug={}, target_branch={}, mission_type={}, manifest_version={}, step_id={})",
            py_str_repr(&self.project_uuid),
            py_str_repr(&self.mission_slug),
            py_str_repr(&self.target_branch),
            py_str_repr(&self.mission_type),
            py_str_repr(&self.manifest_version),
            self.step_id
                .as_deref()
                .map_or_else(|| "None".to_owned(), py_str_repr)
        )
    }
}

/// A validated artifact identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactIdentity {
    /// Mission type.
    pub mission_type: String,
    /// Repository-relative path.
    pub path: String,
    /// Taxonomy class (one of [`ARTIFACT_CLASSES`]).
    pub artifact_class: String,
    /// Run.
    pub run_id: Option<String>,
    /// Work package.
    pub wp_id: Option<String>,
}

/// A validated content hash reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentHashRef {
    /// The hash.
    pub hash: String,
    /// Its algorithm (one of [`HASH_ALGORITHMS`]).
    pub algorithm: String,
    /// Content size (any non-negative integer).
    pub size_bytes: Option<Number>,
    /// Text encoding.
    pub encoding: Option<String>,
}

/// A validated provenance reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvenanceRef {
    /// Events the artifact derives from.
    pub source_event_ids: Option<Vec<String>>,
    /// Commit.
    pub git_sha: Option<String>,
    /// Git reference.
    pub git_ref: Option<String>,
    /// Actor.
    pub actor_id: Option<String>,
    /// Kind of actor (one of [`PROVENANCE_ACTOR_KINDS`]).
    pub actor_kind: Option<String>,
    /// When it was revised.
    pub revised_at: Option<String>,
}

/// A validated `MissionDossierArtifactIndexed` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissionDossierArtifactIndexedPayload {
    /// Scope.
    pub namespace: LocalNamespaceTuple,
    /// Artifact identity.
    pub artifact_id: ArtifactIdentity,
    /// Content fingerprint.
    pub content_ref: ContentHashRef,
    /// When it was indexed.
    pub indexed_at: String,
    /// Origin.
    pub provenance: Option<ProvenanceRef>,
    /// Step.
    pub step_id: Option<String>,
    /// The artifact this one replaces.
    pub supersedes: Option<ArtifactIdentity>,
    /// Free-form diagnostics.
    pub context_diagnostics: Option<IndexMap<String, String>>,
}

/// A validated `MissionDossierArtifactMissing` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissionDossierArtifactMissingPayload {
    /// Scope.
    pub namespace: LocalNamespaceTuple,
    /// The artifact that is absent.
    pub expected_identity: ArtifactIdentity,
    /// `required_always` or a step id.
    pub manifest_step: String,
    /// When it was checked.
    pub checked_at: String,
    /// Last known origin.
    pub last_known_ref: Option<ProvenanceRef>,
    /// How to fix it.
    pub remediation_hint: Option<String>,
    /// Free-form diagnostics.
    pub context_diagnostics: Option<IndexMap<String, String>>,
}

/// A validated `MissionDossierSnapshotComputed` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissionDossierSnapshotComputedPayload {
    /// Scope.
    pub namespace: LocalNamespaceTuple,
    /// The snapshot hash.
    pub snapshot_hash: String,
    /// Artifacts covered.
    pub artifact_count: Number,
    /// Anomalies covered.
    pub anomaly_count: Number,
    /// When it was computed.
    pub computed_at: String,
    /// Hash algorithm.
    pub algorithm: Option<String>,
    /// Free-form diagnostics.
    pub context_diagnostics: Option<IndexMap<String, String>>,
}

/// A validated `MissionDossierParityDriftDetected` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissionDossierParityDriftDetectedPayload {
    /// Scope.
    pub namespace: LocalNamespaceTuple,
    /// Baseline hash.
    pub expected_hash: String,
    /// Observed hash.
    pub actual_hash: String,
    /// Kind of drift (one of [`DRIFT_KINDS`]).
    pub drift_kind: String,
    /// When it was detected.
    pub detected_at: String,
    /// Artifacts that changed.
    pub artifact_ids_changed: Option<Vec<ArtifactIdentity>>,
    /// How to rebuild.
    pub rebuild_hint: Option<String>,
    /// Free-form diagnostics.
    pub context_diagnostics: Option<IndexMap<String, String>>,
}

/// Validates `v` against `model` and reads it into `T`.
pub(crate) fn parse_with<T: serde::de::DeserializeOwned>(
    model: &ModelDef,
    payload: &Json<'_>,
) -> std::result::Result<T, Vec<FieldError>> {
    model.parse(payload)
}

/// One indexed artifact of the dossier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactEntry {
    /// Identity.
    pub identity: ArtifactIdentity,
    /// Content fingerprint.
    pub content_ref: ContentHashRef,
    /// When it was indexed.
    pub indexed_at: String,
    /// Origin.
    pub provenance: Option<ProvenanceRef>,
    /// Whether a later artifact replaced it.
    pub superseded: bool,
    /// Step.
    pub step_id: Option<String>,
}

/// A missing-artifact anomaly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyEntry {
    /// Always `missing_artifact`.
    pub anomaly_type: String,
    /// The artifact that is absent.
    pub expected_identity: ArtifactIdentity,
    /// `required_always` or a step id.
    pub manifest_step: String,
    /// When it was checked.
    pub checked_at: String,
    /// How to fix it.
    pub remediation_hint: Option<String>,
}

/// The latest snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotSummary {
    /// The hash.
    pub snapshot_hash: String,
    /// Artifacts covered.
    pub artifact_count: Number,
    /// Anomalies covered.
    pub anomaly_count: Number,
    /// When it was computed.
    pub computed_at: String,
    /// Hash algorithm (`sha256` when the event named none).
    pub algorithm: String,
}

/// One detected drift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftRecord {
    /// Baseline hash.
    pub expected_hash: String,
    /// Observed hash.
    pub actual_hash: String,
    /// Kind of drift.
    pub drift_kind: String,
    /// When it was detected.
    pub detected_at: String,
}

/// The reduced dossier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissionDossierState {
    /// The stream's namespace (`step_id` cleared when several steps appear).
    pub namespace: Option<LocalNamespaceTuple>,
    /// Indexed artifacts by path, in first-index order.
    pub artifacts: IndexMap<String, ArtifactEntry>,
    /// Missing artifacts, in replay order.
    pub anomalies: Vec<AnomalyEntry>,
    /// The latest snapshot.
    pub latest_snapshot: Option<SnapshotSummary>,
    /// Every drift, in replay order.
    pub drift_history: Vec<DriftRecord>,
    /// `clean`, `drifted` or `unknown`.
    pub parity_status: String,
    /// Distinct dossier events.
    pub event_count: u64,
}

impl Default for MissionDossierState {
    fn default() -> Self {
        MissionDossierState {
            namespace: None,
            artifacts: IndexMap::new(),
            anomalies: Vec::new(),
            latest_snapshot: None,
            drift_history: Vec::new(),
            parity_status: "unknown".to_owned(),
            event_count: 0,
        }
    }
}

fn extract_namespace(payload: &Json<'_>) -> Option<LocalNamespaceTuple> {
    match payload.get("namespace")? {
        ns @ Json::Object(_) => parse_with(&LOCAL_NAMESPACE_TUPLE, ns).ok(),
        _ => None,
    }
}

/// What the dossier fold keeps of an event's payload: the state's entry for it, made from
/// the validated payload as the event is prepared (nothing else of the payload is kept
/// until the fold). `None`: the payload does not satisfy its contract, and the reducer
/// skips it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DossierEntry {
    /// `MissionDossierArtifactIndexed`.
    Indexed(Option<Box<IndexedArtifact>>),
    /// `MissionDossierArtifactMissing`.
    Missing(Option<Box<AnomalyEntry>>),
    /// `MissionDossierSnapshotComputed`.
    Snapshot(Option<Box<SnapshotSummary>>),
    /// `MissionDossierParityDriftDetected`.
    Drift(Option<Box<DriftRecord>>),
}

/// An indexed artifact as the dossier fold keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexedArtifact {
    /// The artifact's entry in the index.
    pub entry: ArtifactEntry,
    /// The path of the artifact it supersedes, if any.
    pub supersedes: Option<String>,
}

impl From<MissionDossierArtifactIndexedPayload> for IndexedArtifact {
    fn from(p: MissionDossierArtifactIndexedPayload) -> Self {
        IndexedArtifact {
            entry: ArtifactEntry {
                identity: p.artifact_id,
                content_ref: p.content_ref,
                indexed_at: p.indexed_at,
                provenance: p.provenance,
                superseded: false,
                step_id: p.step_id,
            },
            supersedes: p.supersedes.map(|s| s.path),
        }
    }
}

impl From<MissionDossierArtifactMissingPayload> for AnomalyEntry {
    fn from(p: MissionDossierArtifactMissingPayload) -> Self {
        AnomalyEntry {
            anomaly_type: "missing_artifact".to_owned(),
            expected_identity: p.expected_identity,
            manifest_step: p.manifest_step,
            checked_at: p.checked_at,
            remediation_hint: p.remediation_hint,
        }
    }
}

impl From<MissionDossierSnapshotComputedPayload> for SnapshotSummary {
    fn from(p: MissionDossierSnapshotComputedPayload) -> Self {
        SnapshotSummary {
            snapshot_hash: p.snapshot_hash,
            artifact_count: p.artifact_count,
            anomaly_count: p.anomaly_count,
            computed_at: p.computed_at,
            algorithm: p.algorithm.unwrap_or_else(|| "sha256".to_owned()),
        }
    }
}

impl From<MissionDossierParityDriftDetectedPayload> for DriftRecord {
    fn from(p: MissionDossierParityDriftDetectedPayload) -> Self {
        DriftRecord {
            expected_hash: p.expected_hash,
            actual_hash: p.actual_hash,
            drift_kind: p.drift_kind,
            detected_at: p.detected_at,
        }
    }
}

/// A dossier payload type as the reducer reads it: its contract, its namespace (for the
/// fold's namespace check) and the variant of the fold's entry it becomes.
trait DossierPayloadType: serde::de::DeserializeOwned {
    /// The payload's contract.
    fn contract() -> &'static ModelDef;
    /// Takes the namespace out of the payload.
    fn take_namespace(&mut self) -> LocalNamespaceTuple;
    /// The fold's entry for a valid payload (`Some`), or for an invalid one.
    fn entry(kept: Option<Self>) -> DossierEntry;
}

macro_rules! dossier_payload_types {
    ($($payload:ty => $contract:ident, $variant:ident;)*) => {$(
        impl DossierPayloadType for $payload {
            fn contract() -> &'static ModelDef {
                &$contract
            }
            fn take_namespace(&mut self) -> LocalNamespaceTuple {
                std::mem::take(&mut self.namespace)
            }
            fn entry(kept: Option<Self>) -> DossierEntry {
                DossierEntry::$variant(kept.map(|p| Box::new(p.into())))
            }
        }
    )*};
}

dossier_payload_types! {
    MissionDossierArtifactIndexedPayload => MISSION_DOSSIER_ARTIFACT_INDEXED_PAYLOAD, Indexed;
    MissionDossierArtifactMissingPayload => MISSION_DOSSIER_ARTIFACT_MISSING_PAYLOAD, Missing;
    MissionDossierSnapshotComputedPayload => MISSION_DOSSIER_SNAPSHOT_COMPUTED_PAYLOAD, Snapshot;
    MissionDossierParityDriftDetectedPayload =>
        MISSION_DOSSIER_PARITY_DRIFT_DETECTED_PAYLOAD, Drift;
}

/// Validates a payload of type `T` into the fold's entry and its namespace. The fold
/// checks the namespace of an invalid payload too: it is then validated on its own (the
/// same tuple a valid payload holds).
fn item_of<T: DossierPayloadType>(raw: &Json<'_>) -> DossierItem {
    match parse_with::<T>(T::contract(), raw) {
        Ok(mut p) => DossierItem {
            namespace: Some(p.take_namespace()),
            entry: T::entry(Some(p)),
        },
        Err(_) => DossierItem {
            namespace: extract_namespace(raw),
            entry: T::entry(None),
        },
    }
}

/// What the dossier reducer keeps of an event: its namespace and its entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierItem {
    namespace: Option<LocalNamespaceTuple>,
    entry: DossierEntry,
}

/// The dossier reducer as a [`Projection`]: artifact index, missing-artifact anomalies,
/// latest snapshot and drift history.
///
/// Events whose payload does not validate are skipped silently. A stream whose events
/// carry namespaces that differ in anything but `step_id` is refused with
/// [`Error::Replay`] naming the first event of the second namespace — in a full replay
/// the reference checks every namespace before folding, which is the same verdict since
/// the first differing event in replay order is refused either way. `event_count` counts
/// distinct dossier events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DossierProjection {
    st: MissionDossierState,
    canonical: Option<LocalNamespaceTuple>,
    step_ids: BTreeSet<String>,
}

impl DossierProjection {
    fn check_namespaces(&mut self, events: &[Prepared<DossierItem>]) -> Result<()> {
        for p in events {
            let Some(ns) = &p.item.namespace else {
                continue;
            };
            match &self.canonical {
                None => self.canonical = Some(ns.clone()),
                Some(c) if c.key() != ns.key() => {
                    return Err(Error::Replay {
                        event_id: p.event_id().to_owned(),
                        reason: format!(
                            "Namespace mismatch in dossier event stream. Expected: {}. Got: {}.",
                            c.py_repr(),
                            ns.py_repr()
                        ),
                    });
                }
                Some(_) => {}
            }
            if let Some(s) = &ns.step_id {
                self.step_ids.insert(s.clone());
            }
        }
        Ok(())
    }

    fn apply_one(&mut self, entry: DossierEntry) {
        let state = &mut self.st;
        match entry {
            DossierEntry::Indexed(Some(a)) => {
                let IndexedArtifact { entry, supersedes } = *a;
                if let Some(old) = supersedes
                    .as_ref()
                    .and_then(|path| state.artifacts.get_mut(path))
                {
                    old.superseded = true;
                }
                state.artifacts.insert(entry.identity.path.clone(), entry);
            }
            DossierEntry::Missing(Some(a)) => state.anomalies.push(*a),
            DossierEntry::Snapshot(Some(s)) => state.latest_snapshot = Some(*s),
            DossierEntry::Drift(Some(d)) => state.drift_history.push(*d),
            _ => {}
        }
    }
}

impl Projection for DossierProjection {
    type Item = DossierItem;
    type State = MissionDossierState;

    fn needs_payload(event_type: &str) -> bool {
        DOSSIER_EVENT_TYPES.contains(&event_type)
    }

    fn prepare(event: &EventRef<'_>) -> Option<DossierItem> {
        let raw = event.payload;
        Some(match event.event_type.as_ref() {
            MISSION_DOSSIER_ARTIFACT_INDEXED => {
                item_of::<MissionDossierArtifactIndexedPayload>(raw)
            }
            MISSION_DOSSIER_ARTIFACT_MISSING => {
                item_of::<MissionDossierArtifactMissingPayload>(raw)
            }
            MISSION_DOSSIER_SNAPSHOT_COMPUTED => {
                item_of::<MissionDossierSnapshotComputedPayload>(raw)
            }
            MISSION_DOSSIER_PARITY_DRIFT_DETECTED => {
                item_of::<MissionDossierParityDriftDetectedPayload>(raw)
            }
            _ => return None,
        })
    }

    fn apply(&mut self, events: Vec<Prepared<DossierItem>>) -> Result<()> {
        self.check_namespaces(&events)?;
        self.st.event_count += events.len() as u64;
        for p in events {
            self.apply_one(p.item.entry);
        }
        Ok(())
    }

    fn state(&self) -> Result<MissionDossierState> {
        self.clone().into_state()
    }

    fn into_state(self) -> Result<MissionDossierState> {
        if self.st.event_count == 0 {
            return Ok(MissionDossierState::default());
        }
        let mut state = self.st;
        let mut canonical = self.canonical;
        if let Some(c) = canonical.as_mut().filter(|_| self.step_ids.len() > 1) {
            c.step_id = None;
        }
        state.namespace = canonical;
        state.parity_status = if !state.drift_history.is_empty() {
            "drifted"
        } else if state.latest_snapshot.is_some() {
            "clean"
        } else {
            "unknown"
        }
        .to_owned();
        Ok(state)
    }
}

/// Replays dossier events (other types are ignored): a full reduction with
/// [`DossierProjection`].
pub fn reduce_mission_dossier<'a>(
    events: impl IntoIterator<Item = &'a Event>,
) -> Result<MissionDossierState> {
    replay_all(
        DossierProjection::default(),
        prepare::<DossierProjection>(events),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_matches_python() {
        assert_eq!(py_str_repr("abc"), "'abc'");
        assert_eq!(py_str_repr("it's"), "\"it's\"");
        assert_eq!(py_str_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_str_repr("x\ny\\"), "'x\\ny\\\\'");
        assert_eq!(py_str_repr("\u{7f}é"), "'\\x7fé'");
    }
}
