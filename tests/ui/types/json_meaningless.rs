// `json` only changes the form of a string: on every other type it is refused, by name where
// the derive recognises the type, else through the runtime's trait.
use databag::{Databag, SecretUri};

#[derive(Databag)]
struct Request {
    resource: String,
}

#[derive(Databag)]
struct Bag {
    #[databag(json)]
    tls: bool,
    #[databag(json)]
    port: Option<u64>,
    #[databag(json)]
    requests: Vec<Request>,
    #[databag(json)]
    secret_user: Option<SecretUri>,
    #[databag(json)]
    single: Option<Request>,
    #[databag(json)]
    quoted: Option<String>,
}

fn main() {}
