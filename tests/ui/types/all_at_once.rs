// A misspelled attribute and an unsupported field type: both reported by one compilation,
// not the second only after the first is fixed.
use databag::Databag;

#[derive(Databag)]
struct Answer {
    #[databag(renam = "end-points")]
    endpoints: String,
    port: u16,
    #[databag(flatten)]
    extra: std::collections::BTreeMap<String, String>,
}

#[derive(Databag)]
#[databag(tag = "version")]
enum Versions {
    #[databag(defualt)]
    V0(String),
}

fn main() {}
