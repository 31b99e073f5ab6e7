// A `pattern` that is no regular expression, and one on a field that is not a string.
use databag::Databag;

#[derive(Databag)]
struct Request {
    #[databag(pattern = "^[a-z")]
    request_id: String,
    #[databag(pattern = "^[0-9]+$")]
    count: i64,
}

fn main() {}
