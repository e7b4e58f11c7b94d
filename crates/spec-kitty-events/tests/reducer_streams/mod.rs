//! Stream generators for the lifecycle, glossary, collaboration, connector and sync
//! reducers, shared by their differential tests and the reducer benchmarks.

#![allow(dead_code)]

/// Generated lifecycle streams.
pub mod lifecycle {
    use crate::mission_support::{Rng, assemble, noise, text};
    use serde_json::{Value, json};

    pub fn phase(r: &mut Rng) -> Value {
        json!(*r.pick(&["specify", "plan", "implement", "review", "accept"]))
    }

    pub fn payload(r: &mut Rng, t: &str) -> Value {
        let mut p = match t {
            "MissionStarted" => {
                json!({"mission_id": "m-1", "mission_type": "software-dev", "initial_phase": phase(r), "actor": text(r)})
            }
            "PhaseEntered" => {
                json!({"mission_id": "m-1", "phase_name": phase(r), "previous_phase": if r.chance(0.5) { phase(r) } else { Value::Null }, "actor": text(r)})
            }
            "ReviewRollback" => {
                json!({"mission_id": "m-1", "review_ref": "PR#4", "target_phase": phase(r), "affected_wp_ids": ["WP01"], "actor": text(r)})
            }
            "MissionCompleted" => {
                json!({"mission_id": "m-1", "mission_type": "software-dev", "final_phase": phase(r), "actor": text(r)})
            }
            "MissionCancelled" => {
                json!({"mission_id": "m-1", "reason": "descoped", "actor": text(r), "cancelled_wp_ids": ["WP02"]})
            }
            "MissionCreated" => {
                json!({"mission_slug": "m-1", "mission_number": if r.chance(0.8) { json!(1 + r.below(40)) } else { Value::Null }, "mission_type": "software-dev",
                "target_branch": "main", "wp_count": r.below(9), "friendly_name": "Event store", "purpose_tldr": "Store events", "purpose_context": "Because"})
            }
            "MissionClosed" => {
                json!({"mission_slug": "m-1", "mission_number": 1 + r.below(40), "mission_type": "software-dev"})
            }
            _ => {
                let lanes = [
                    None,
                    Some("planned"),
                    Some("claimed"),
                    Some("in_progress"),
                    Some("for_review"),
                ];
                let i = r.below(lanes.len() - 1);
                json!({"mission_slug": "m-1", "wp_id": *r.pick(&["WP01", "WP02"]), "from_lane": lanes[i], "to_lane": lanes[i + 1].unwrap_or("planned"),
                       "actor": text(r), "execution_mode": "worktree"})
            }
        };
        if r.chance(0.08) {
            // Break it: drop a key, blank a string, or add a key a closed model refuses.
            let keys: Vec<String> = p.as_object().unwrap().keys().cloned().collect();
            match r.below(3) {
                0 => {
                    p.as_object_mut()
                        .unwrap()
                        .shift_remove(r.pick(&keys).as_str());
                }
                1 => p[r.pick(&keys).as_str()] = json!(""),
                _ => p["feature_slug"] = json!("legacy"),
            }
        }
        p
    }

    pub fn stream(r: &mut Rng) -> Vec<Value> {
        let kinds = [
            "PhaseEntered",
            "PhaseEntered",
            "ReviewRollback",
            "MissionCompleted",
            "MissionCancelled",
            "MissionCreated",
            "MissionClosed",
            "WPStatusChanged",
            "WPStatusChanged",
        ];
        let mut steps: Vec<(String, Value)> = Vec::new();
        if r.chance(0.2) {
            steps.push(("PhaseEntered".into(), payload(r, "PhaseEntered")));
        }
        if r.chance(0.9) {
            steps.push(("MissionStarted".into(), payload(r, "MissionStarted")));
        }
        for _ in 0..r.below(12) {
            let t = *r.pick(&kinds);
            steps.push((t.to_owned(), payload(r, t)));
            if r.chance(0.1) {
                steps.push(noise(r));
            }
            if r.chance(0.05) {
                steps.push(("MissionStarted".into(), payload(r, "MissionStarted")));
            }
        }
        assemble(r, steps, false)
    }
}

/// Generated glossary streams.
pub mod glossary {
    use crate::mission_support::{Rng, assemble, noise, text};
    use serde_json::{Value, json};

    pub fn payload(r: &mut Rng, t: &str, ids: &[String]) -> Value {
        let scope = json!(*r.pick(&["core", "team", "core"]));
        let term = json!(*r.pick(&["lane", "mission", "lane"]));
        let some_id = |r: &mut Rng| {
            json!(if ids.is_empty() || r.chance(0.2) {
                "01JE0000000000000000000000".to_owned()
            } else {
                r.pick(ids).clone()
            })
        };
        let mut p = match t {
            "GlossaryScopeActivated" => {
                json!({"mission_id": "m-1", "scope_id": scope, "scope_type": *r.pick(&["spec_kitty_core", "team_domain", "mission_local"]), "glossary_version_id": "v1"})
            }
            "TermCandidateObserved" => {
                json!({"mission_id": "m-1", "scope_id": scope, "step_id": "s1", "term_surface": term, "confidence": 0.5, "actor": text(r), "step_metadata": {"k": "v"}})
            }
            "GlossarySenseUpdated" => {
                json!({"mission_id": "m-1", "scope_id": scope, "term_surface": term, "before_sense": null, "after_sense": "the column", "reason": "", "actor": text(r)})
            }
            "GlossaryStrictnessSet" => {
                json!({"mission_id": "m-1", "new_strictness": *r.pick(&["off", "medium", "max"]), "previous_strictness": "medium", "actor": text(r)})
            }
            "SemanticCheckEvaluated" => {
                json!({"mission_id": "m-1", "scope_id": scope, "step_id": "s1", "conflicts": [{"term": "lane", "nature": "drift", "severity": "low", "description": "d"}],
                "severity": "low", "confidence": 0.9, "recommended_action": *r.pick(&["block", "warn", "pass"]), "effective_strictness": "medium"})
            }
            "GlossaryClarificationRequested" => {
                json!({"mission_id": "m-1", "scope_id": scope, "step_id": "s1", "semantic_check_event_id": some_id(r), "term": term,
                "question": "which?", "options": ["a", "b"], "urgency": "low", "actor": text(r)})
            }
            "GlossaryClarificationResolved" => {
                json!({"mission_id": "m-1", "clarification_event_id": some_id(r), "selected_meaning": "a", "actor": text(r)})
            }
            _ => {
                json!({"mission_id": "m-1", "step_id": "s1", "conflict_event_ids": [some_id(r)], "blocking_strictness": "max"})
            }
        };
        if r.chance(0.03) {
            let keys: Vec<String> = p.as_object().unwrap().keys().cloned().collect();
            p.as_object_mut()
                .unwrap()
                .shift_remove(r.pick(&keys).as_str());
        }
        p
    }

    pub fn stream(r: &mut Rng) -> Vec<Value> {
        let kinds = [
            "TermCandidateObserved",
            "GlossarySenseUpdated",
            "GlossaryStrictnessSet",
            "SemanticCheckEvaluated",
            "GlossaryClarificationRequested",
            "GlossaryClarificationRequested",
            "GlossaryClarificationResolved",
            "GenerationBlockedBySemanticConflict",
            "GlossaryScopeActivated",
        ];
        let mut steps: Vec<(String, Value)> = Vec::new();
        if r.chance(0.85) {
            steps.push((
                "GlossaryScopeActivated".into(),
                payload(r, "GlossaryScopeActivated", &[]),
            ));
        }
        for _ in 0..r.below(14) {
            let t = *r.pick(&kinds);
            steps.push((t.to_owned(), payload(r, t, &[])));
            if r.chance(0.08) {
                steps.push(noise(r));
            }
        }
        let mut out = assemble(r, steps, true);
        // Point references at events of the stream, as real logs do.
        let ids: Vec<String> = out
            .iter()
            .filter(|e| e["event_type"] != "GlossaryClarificationRequested" || r.chance(0.5))
            .filter_map(|e| e["event_id"].as_str().map(str::to_owned))
            .collect();
        // Redelivered copies share an id: give every copy the same reference.
        let mut chosen: std::collections::HashMap<String, String> =
            std::collections::HashMap::new();
        for e in &mut out {
            let id = e["event_id"].as_str().unwrap_or_default().to_owned();
            for key in ["semantic_check_event_id", "clarification_event_id"] {
                if e["payload"].get(key).is_some() && !ids.is_empty() {
                    let target = chosen.entry(format!("{id}/{key}")).or_insert_with(|| {
                        if r.chance(0.85) {
                            r.pick(&ids).clone()
                        } else {
                            String::new()
                        }
                    });
                    if !target.is_empty() {
                        e["payload"][key] = json!(target.clone());
                    }
                }
            }
        }
        out
    }
}

/// Generated collaboration streams.
pub mod collaboration {
    use crate::mission_support::{Rng, assemble, noise};
    use serde_json::{Value, json};
    const PEOPLE: [&str; 3] = ["p1", "p2", "p3"];

    pub fn identity(pid: &str) -> Value {
        json!({"participant_id": pid, "participant_type": "human", "display_name": pid.to_uppercase()})
    }

    pub fn payload(r: &mut Rng, t: &str) -> Value {
        let pid = *r.pick(&PEOPLE);
        let base = |extra: Value| {
            let mut m = json!({"participant_id": pid, "mission_id": "m-1"});
            for (k, v) in extra.as_object().unwrap() {
                m[k.as_str()] = v.clone();
            }
            m
        };
        let focus =
            json!({"target_type": *r.pick(&["wp", "step"]), "target_id": *r.pick(&["WP01", "s1"])});
        let warning = json!(*r.pick(&["w1", "w2"]));
        match t {
            "ParticipantInvited" => {
                base(json!({"participant_identity": identity(pid), "invited_by": "lead"}))
            }
            "ParticipantJoined" => {
                let ident = if r.chance(0.05) {
                    json!({"participant_type": "robot"})
                } else {
                    identity(pid)
                };
                base(json!({"participant_identity": ident}))
            }
            "ParticipantLeft" => base(json!({"reason": "done"})),
            "PresenceHeartbeat" => base(json!({})),
            "DriveIntentSet" => base(json!({"intent": *r.pick(&["active", "inactive"])})),
            "FocusChanged" => base(
                json!({"focus_target": if r.chance(0.05) { json!({"target_type": "moon"}) } else { focus }}),
            ),
            "PromptStepExecutionStarted" => base(json!({"step_id": *r.pick(&["s1", "s2"])})),
            "PromptStepExecutionCompleted" => {
                base(json!({"step_id": *r.pick(&["s1", "s2"]), "outcome": "success"}))
            }
            "ConcurrentDriverWarning" => {
                json!({"warning_id": warning, "mission_id": "m-1", "participant_ids": ["p1", *r.pick(&PEOPLE)], "focus_target": focus, "severity": "warning"})
            }
            "PotentialStepCollisionDetected" => {
                json!({"warning_id": warning, "mission_id": "m-1", "participant_ids": ["p2", "p3"], "step_id": "s1", "severity": "info"})
            }
            "WarningAcknowledged" => base(
                json!({"warning_id": warning, "acknowledgement": *r.pick(&["continue", "hold"])}),
            ),
            "CommentPosted" => base(
                json!({"comment_id": "c1", "content": if r.chance(0.03) { json!(5) } else { json!("looks good") }, "reply_to": null}),
            ),
            "DecisionCaptured" => base(
                json!({"decision_id": "d1", "topic": "lanes", "chosen_option": "A", "referenced_warning_id": warning}),
            ),
            _ => base(
                json!({"primary_session_id": "cli-1", "linked_session_id": *r.pick(&["saas-1", "saas-2"]), "link_type": "cli_to_saas"}),
            ),
        }
    }

    pub fn stream(r: &mut Rng) -> Vec<Value> {
        let kinds = [
            "ParticipantInvited",
            "ParticipantJoined",
            "ParticipantJoined",
            "ParticipantLeft",
            "PresenceHeartbeat",
            "DriveIntentSet",
            "FocusChanged",
            "PromptStepExecutionStarted",
            "PromptStepExecutionCompleted",
            "ConcurrentDriverWarning",
            "PotentialStepCollisionDetected",
            "WarningAcknowledged",
            "CommentPosted",
            "DecisionCaptured",
            "SessionLinked",
        ];
        let mut steps: Vec<(String, Value)> = Vec::new();
        for pid in PEOPLE {
            if r.chance(0.7) {
                steps.push(("ParticipantJoined".into(), json!({"participant_id": pid, "mission_id": "m-1", "participant_identity": identity(pid)})));
            }
        }
        for _ in 0..r.below(14) {
            let t = *r.pick(&kinds);
            steps.push((t.to_owned(), payload(r, t)));
            if r.chance(0.05) {
                steps.push(noise(r));
            }
        }
        assemble(r, steps, true)
    }
}

/// Generated connector and sync streams.
pub mod connector_sync {
    use crate::mission_support::{Rng, assemble, noise, text};
    use serde_json::{Value, json};

    pub fn connector_payload(r: &mut Rng, t: &str) -> Value {
        let mut p = json!({
            "connector_id": *r.pick(&["conn-1", "conn-2"]), "connector_type": "issue_tracker", "provider": *r.pick(&["jira", "linear"]),
            "mission_id": "m-1", "project_uuid": "12345678-1234-5678-1234-567812345678", "actor_id": text(r),
            "actor_type": *r.pick(&["human", "service", "system"]), "endpoint_url": "https://api.example.com/v1",
            "recorded_at": format!("2026-03-0{}T1{}:00:00Z", 1 + r.below(8), r.below(10)),
        });
        match t {
            "ConnectorProvisioned" => {
                p["credentials_ref"] = json!("vault://c/1");
                p["config_hash"] = json!("abc");
            }
            "ConnectorHealthChecked" => {
                p["health_status"] = json!(*r.pick(&["healthy", "degraded", "unreachable"]));
                p["latency_ms"] = json!(r.below(500));
            }
            "ConnectorDegraded" => {
                p["degradation_reason"] = json!("slow");
                p["last_healthy_at"] = json!("2026-03-01T00:00:00Z");
            }
            "ConnectorRevoked" => p["revocation_reason"] = json!("rotated"),
            "ConnectorReconnected" => {
                p["previous_state"] = json!(*r.pick(&["degraded", "revoked"]));
                p["reconnect_strategy"] = json!(*r.pick(&["automatic", "manual", "backoff"]));
            }
            _ => {}
        }
        if t.starts_with("User") || r.chance(0.3) {
            p["user_id"] = json!(*r.pick(&["alice", "bob", "carol"]));
        }
        if t == "UserDisconnected" && r.chance(0.5) {
            p["reason"] = json!("left");
        }
        if r.chance(0.07) {
            let keys: Vec<String> = p.as_object().unwrap().keys().cloned().collect();
            let k = r.pick(&keys).clone();
            if r.chance(0.5) {
                p.as_object_mut().unwrap().shift_remove(&k);
            } else {
                p[k.as_str()] = json!("");
            }
        }
        p
    }

    pub fn sync_payload(r: &mut Rng, t: &str) -> Value {
        let mut p = json!({
            "delivery_id": format!("d-{}", r.below(6)), "source_event_fingerprint": format!("fp-{}", r.below(3)),
            "connector_id": *r.pick(&["conn-1", "conn-2"]), "mission_id": "m-1", "recorded_at": "2026-03-01T10:00:00+01:00",
        });
        match t {
            "SyncIngestAccepted" => {
                p["ingest_batch_id"] = json!("b-1");
                p["ingested_count"] = json!(r.below(4));
            }
            "SyncIngestRejected" => {
                p["rejection_reason"] = json!("schema");
                p["rejected_payload_ref"] = json!("s3://x");
            }
            "SyncRetryScheduled" => {
                p["retry_attempt"] = json!(1 + r.below(3));
                p["max_retries"] = json!(3);
                p["next_retry_at"] = json!("2026-03-01T11:00:00Z");
            }
            "SyncDeadLettered" => {
                p["failure_reason"] = json!("gave up");
                p["total_attempts"] = json!(r.below(4));
                p["dead_letter_ref"] = json!("dlq://1");
            }
            _ => {
                p["replay_id"] = json!("r-1");
                p["replayed_count"] = json!(r.below(5));
                p["replay_source"] = json!("dlq");
            }
        }
        if r.chance(0.05) {
            p["delivery_id"] = json!("it's \"quoted\"");
        }
        p
    }

    pub fn stream(r: &mut Rng) -> Vec<Value> {
        let connector = [
            "ConnectorProvisioned",
            "ConnectorHealthChecked",
            "ConnectorDegraded",
            "ConnectorRevoked",
            "ConnectorReconnected",
            "UserConnected",
            "UserDisconnected",
        ];
        let sync = [
            "SyncIngestAccepted",
            "SyncIngestRejected",
            "SyncRetryScheduled",
            "SyncDeadLettered",
            "SyncReplayCompleted",
        ];
        let mut steps: Vec<(String, Value)> = Vec::new();
        if r.chance(0.85) {
            steps.push((
                "ConnectorProvisioned".into(),
                connector_payload(r, "ConnectorProvisioned"),
            ));
        }
        for _ in 0..r.below(14) {
            if r.chance(0.5) {
                let t = *r.pick(&connector);
                steps.push((t.to_owned(), connector_payload(r, t)));
            } else {
                let t = *r.pick(&sync);
                steps.push((t.to_owned(), sync_payload(r, t)));
            }
            if r.chance(0.08) {
                steps.push(noise(r));
            }
        }
        assemble(r, steps, false)
    }
}
