//! The typed bindings describe the same databags as the committed catalogue schemas: the
//! derive's shapes and the generator's shapes come from one spec, so the two cannot drift.

use databag::Versioned;
use serde_json::Value;
use valkey_client::valkey_client::{ProviderAppData, RequirerAppData};

fn committed_app_schema(role: &str) -> Value {
    let path = format!(
        "{}/json_schemas/valkey_client/v1/{role}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let schema: Value = serde_json::from_str(&text).expect("committed schema is JSON");
    schema["properties"]["app"].clone()
}

#[test]
fn requirer_schema_is_the_committed_one() {
    assert_eq!(
        RequirerAppData::json_schema(),
        committed_app_schema("requirer")
    );
}

#[test]
fn provider_schema_is_the_committed_one() {
    assert_eq!(
        ProviderAppData::json_schema(),
        committed_app_schema("provider")
    );
}
