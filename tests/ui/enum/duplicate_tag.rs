use databag::Databag;

#[derive(Databag)]
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
