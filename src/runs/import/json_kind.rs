//! A JSON value's type in words, for the JSON importers' messages (JSON lines and Inspect
//! logs both say "must be a number, found a string").

use serde_json::Value;

/// A JSON value's type in words, for messages ("expected a number, found a string").
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
