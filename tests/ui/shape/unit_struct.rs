use databag::Databag;

#[derive(Databag)]
struct Nothing;

fn main() {}
