use databag::Databag;

#[derive(Databag)]
struct Request {
    #[databag(renam = "request-id")]
    id: String,
}

fn main() {}
