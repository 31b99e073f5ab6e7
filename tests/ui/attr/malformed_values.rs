use databag::Databag;

#[derive(Databag)]
struct Request {
    #[databag(rename = request_id)]
    id: String,
    #[databag(json = true)]
    quoted: Option<String>,
    #[databag(alias)]
    database: Option<String>,
}

fn main() {}
