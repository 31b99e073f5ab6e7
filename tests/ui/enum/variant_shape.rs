use databag::Databag;

// Stands for a `#[derive(Databag)]` struct; the enum's errors come first.
struct V1 {
    requests: String,
}

#[derive(Databag)]
#[databag(tag = "version")]
enum ProviderBag {
    V0,
    V1 { bag: V1 },
    V2(V1, V1),
}

fn main() {}
