//! The checked-in OpenAPI document describes exactly the routes the router serves.

use std::collections::BTreeSet;

fn router_routes() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    // Every module that adds routes to the router (a new one goes here too).
    for file in ["src/api.rs", "src/log.rs", "src/personal.rs"] {
        let src = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
        for part in src.split(".route(\"").skip(1) {
            let path = part.split('"').next().unwrap();
            // OpenAPI has no catch-all parameters: {*rest} is written {rest}.
            out.insert(path.replace("{*", "{"));
        }
    }
    out
}

#[test]
fn openapi_lists_every_route_and_nothing_else() {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/openapi.json")).expect("docs/openapi.json is JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(documented, router_routes());
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has no responses");
            if path.contains('{') {
                let params: Vec<&str> =
                    op["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
                for seg in path.split('/').filter(|s| s.starts_with('{')) {
                    let name = seg.trim_matches(['{', '}']);
                    assert!(params.contains(&name), "{method} {path} does not describe {name}");
                }
            }
        }
    }
}

#[tokio::test]
async fn the_node_serves_its_openapi_document() {
    let w = crate::common::World::new();
    let (s, body, _) =
        crate::common::send(w.app(), crate::common::request(None, "GET", "/openapi.json", "", vec![])).await;
    assert_eq!(s, axum::http::StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["info"]["title"], "trace node");
}
