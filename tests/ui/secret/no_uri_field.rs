// Without a `secret_uri` field the group's URI has nowhere to go in the databag.
use databag::{Databag, Secret};

#[derive(Databag)]
struct Extension {
    #[databag(secret = "api")]
    api_key: Option<Secret<String>>,
}

fn main() {}
