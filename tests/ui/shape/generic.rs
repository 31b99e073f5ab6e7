use databag::Databag;

#[derive(Databag)]
struct Response<T> {
    data: T,
}

fn main() {}
