use databag::Databag;

#[derive(Databag)]
struct Request {
    #[databag(skip_serializing)]
    id: String,
}

fn main() {}
