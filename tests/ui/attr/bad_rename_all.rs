use databag::Databag;

#[derive(Databag)]
#[databag(rename_all = "kebab")]
struct Request {
    request_id: String,
}

fn main() {}
