use databag::Databag;

// Stands for a `#[derive(Databag)]` struct; the enum's errors come first.
struct V1 {
    requests: String,
}

#[derive(Databag)]
#[databag(tag = "version")]
enum ProviderBag {
    #[databag(other)]
    V0(V1),
    #[databag(rename = "v0", other)]
    Legacy(V1),
}

fn main() {}
