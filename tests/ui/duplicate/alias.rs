// Aliases are read like names: one may not shadow another field.
use databag::Databag;

#[derive(Databag)]
struct Request {
    resource: String,
    #[databag(alias = "resource")]
    database: Option<String>,
}

fn main() {}
