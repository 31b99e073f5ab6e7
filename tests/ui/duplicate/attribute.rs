use databag::Databag;

#[derive(Databag)]
struct Request {
    #[databag(rename = "request-id", rename = "id")]
    id: String,
}

fn main() {}
