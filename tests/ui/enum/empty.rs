use databag::Databag;

#[derive(Databag)]
#[databag(tag = "version")]
enum Nothing {}

fn main() {}
