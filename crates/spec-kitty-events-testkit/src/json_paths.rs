//! Walking a `serde_json::Value` by paths, for the test generators that mutate valid
//! payloads at every place inside them.
//!
//! A path is a list of steps, each an object key (a JSON string) or an array index (a
//! JSON number), the form the reference's error locations take too.
//!
//! ```
//! use serde_json::json;
//! use spec_kitty_events_testkit::json_paths::{at_mut, paths};
//! let mut v = json!({"a": [1, {"b": 2}]});
//! let all = paths(&v);
//! assert_eq!(all, vec![vec![json!("a")], vec![json!("a"), json!(0)],
//!                      vec![json!("a"), json!(1)], vec![json!("a"), json!(1), json!("b")]]);
//! *at_mut(&mut v, &all[3]).unwrap() = json!(3);
//! assert_eq!(v, json!({"a": [1, {"b": 3}]}));
//! assert!(at_mut(&mut v, &[json!("a"), json!(5)]).is_none());
//! ```

use serde_json::{Value, json};

/// Every path to a value inside `v` (the root excluded), parents before their children.
pub fn paths(v: &Value) -> Vec<Vec<Value>> {
    fn walk(v: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
        let mut step = |prefix: &mut Vec<Value>, key: Value, x: &Value| {
            prefix.push(key);
            out.push(prefix.clone());
            walk(x, prefix, out);
            prefix.pop();
        };
        match v {
            Value::Object(m) => m.iter().for_each(|(k, x)| step(prefix, json!(k), x)),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .for_each(|(i, x)| step(prefix, json!(i), x)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

/// The value at `path` inside `v`, if every step exists.
pub fn at_mut<'a>(v: &'a mut Value, path: &[Value]) -> Option<&'a mut Value> {
    let mut cur = v;
    for step in path {
        cur = match step {
            Value::String(k) => cur.as_object_mut()?.get_mut(k)?,
            Value::Number(n) => cur
                .as_array_mut()?
                .get_mut(usize::try_from(n.as_u64()?).ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}
