use databag::Databag;

// Stands for a `#[derive(Databag)]` struct; the enum's errors come first.
struct V1 {
    requests: String,
}

#[derive(Databag)]
enum ProviderBag {
    V1(V1),
}

fn main() {}
