use databag::{Databag, Unknown};

#[derive(Databag)]
struct Request {
    #[databag(flatten)]
    extra: Unknown,
    #[databag(flatten)]
    more: Unknown,
}

fn main() {}
