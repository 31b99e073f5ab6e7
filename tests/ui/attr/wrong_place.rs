// `tag` belongs on enums, `flatten` on fields.
use databag::Databag;

#[derive(Databag)]
#[databag(tag = "version", flatten)]
struct Request {
    id: String,
}

fn main() {}
