use databag::Databag;

#[derive(Databag)]
struct Response {
    endpoints: String,
    #[databag(rename = "endpoints")]
    primary: String,
}

fn main() {}
