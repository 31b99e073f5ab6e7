use databag::Databag;

#[derive(Databag)]
struct V1 {
    requests: String,
}

#[derive(Databag)]
enum ProviderBag {
    V1(V1),
}

fn main() {}
