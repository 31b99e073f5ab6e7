// A `Secret` field without `secret = "..."` would be written into the plaintext databag.
use databag::{Databag, Secret};

#[derive(Databag)]
struct Credentials {
    username: String,
    password: Option<Secret<String>>,
}

fn main() {}
