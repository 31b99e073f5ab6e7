use databag::Databag;

#[derive(Databag)]
struct Endpoints(String, String);

fn main() {}
