//! Pins the expansion: both sides go through prettyplease, so only the code matters, not the
//! token spacing (as kube-derive's cel_schema test does).

use quote::quote;

fn pretty(tokens: proc_macro2::TokenStream) -> String {
    prettyplease::unparse(&syn::parse2::<syn::File>(tokens).expect("expansion parses as a file"))
}

fn expand(input: syn::DeriveInput) -> String {
    pretty(super::derive(&input).expect("input is valid"))
}

#[test]
fn struct_expansion() {
    let input: syn::DeriveInput = syn::parse_quote! {
        /// One answer to a request.
        #[databag(title = "Response")]
        struct Response {
            /// Echo of the request's id.
            request_id: String,
            #[databag(constant = "v1")]
            version: String,
            #[databag(alias = "sentinel_endpoints", example = "10.0.0.1:26379")]
            sentinel_endpoints: Option<String>,
            #[databag(secret = "user")]
            password: Option<Secret<String>>,
            #[databag(secret_uri = "user")]
            secret_user: Option<SecretUri>,
            #[databag(default)]
            requests: Vec<String>,
            #[databag(flatten)]
            extra: Unknown,
        }
    };
    let expected = quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::absolute_paths)]
        const _: () = {
            use ::databag as _databag;
            use _databag::__private as _p;
            #[automatically_derived]
            impl _databag::Databag for Response where
                    String: _p::WireValue,
                    Option<String>: _p::WireValue,
                    Option<Secret<String>>: _p::WireValue,
                    Option<SecretUri>: _p::WireValue,
                    Vec<String>: _p::WireValue,
                {
                fn shape() -> _p::Arc<_databag::Shape> {
                    static SHAPE: _p::OnceLock<_p::Arc<_databag::Shape>> = _p::OnceLock::new();
                    _p::Arc::clone(
                        SHAPE
                            .get_or_init(|| {
                                _p::Arc::new(_databag::Shape {
                                    name: _p::String::from("Response"),
                                    title: _p::Option::Some(_p::String::from("Response")),
                                    description: _p::Option::Some(
                                        _p::String::from("One answer to a request."),
                                    ),
                                    fields: _p::Vec::from([
                                        _databag::Field {
                                            name: _p::String::from("request-id"),
                                            aliases: _p::Vec::new(),
                                            kind: <String as _p::WireValue>::kind(),
                                            required: !<String as _p::WireValue>::OPTIONAL,
                                            json: !<String as _p::WireValue>::PLAIN,
                                            secret: _p::Option::None,
                                            secret_uri: _p::Option::None,
                                            constant: _p::Option::None,
                                            pattern: _p::Option::None,
                                            title: _p::Option::None,
                                            description: _p::Option::Some(
                                                _p::String::from("Echo of the request's id."),
                                            ),
                                            examples: _p::Vec::new(),
                                        },
                                        _databag::Field {
                                            name: _p::String::from("version"),
                                            aliases: _p::Vec::new(),
                                            kind: <String as _p::WireValue>::kind(),
                                            required: !<String as _p::WireValue>::OPTIONAL,
                                            json: !<String as _p::WireValue>::PLAIN,
                                            secret: _p::Option::None,
                                            secret_uri: _p::Option::None,
                                            constant: _p::Option::Some(_p::String::from("v1")),
                                            pattern: _p::Option::None,
                                            title: _p::Option::None,
                                            description: _p::Option::None,
                                            examples: _p::Vec::new(),
                                        },
                                        _databag::Field {
                                            name: _p::String::from("sentinel-endpoints"),
                                            aliases: _p::Vec::from([
                                                _p::String::from("sentinel_endpoints"),
                                            ]),
                                            kind: <Option<String> as _p::WireValue>::kind(),
                                            required: !<Option<String> as _p::WireValue>::OPTIONAL,
                                            json: !<Option<String> as _p::WireValue>::PLAIN,
                                            secret: _p::Option::None,
                                            secret_uri: _p::Option::None,
                                            constant: _p::Option::None,
                                            pattern: _p::Option::None,
                                            title: _p::Option::None,
                                            description: _p::Option::None,
                                            examples: _p::Vec::from([
                                                _p::String::from("10.0.0.1:26379"),
                                            ]),
                                        },
                                        _databag::Field {
                                            name: _p::String::from("password"),
                                            aliases: _p::Vec::new(),
                                            kind: <Option<Secret<String>> as _p::WireValue>::kind(),
                                            required: !<Option<
                                                Secret<String>,
                                            > as _p::WireValue>::OPTIONAL,
                                            json: !<Option<Secret<String>> as _p::WireValue>::PLAIN,
                                            secret: _p::Option::Some(_p::String::from("user")),
                                            secret_uri: _p::Option::None,
                                            constant: _p::Option::None,
                                            pattern: _p::Option::None,
                                            title: _p::Option::None,
                                            description: _p::Option::None,
                                            examples: _p::Vec::new(),
                                        },
                                        _databag::Field {
                                            name: _p::String::from("secret-user"),
                                            aliases: _p::Vec::new(),
                                            kind: <Option<SecretUri> as _p::WireValue>::kind(),
                                            required: !<Option<SecretUri> as _p::WireValue>::OPTIONAL,
                                            json: !<Option<SecretUri> as _p::WireValue>::PLAIN,
                                            secret: _p::Option::None,
                                            secret_uri: _p::Option::Some(_p::String::from("user")),
                                            constant: _p::Option::None,
                                            pattern: _p::Option::None,
                                            title: _p::Option::None,
                                            description: _p::Option::None,
                                            examples: _p::Vec::new(),
                                        },
                                        _databag::Field {
                                            name: _p::String::from("requests"),
                                            aliases: _p::Vec::new(),
                                            kind: <Vec<String> as _p::WireValue>::kind(),
                                            required: false,
                                            json: !<Vec<String> as _p::WireValue>::PLAIN,
                                            secret: _p::Option::None,
                                            secret_uri: _p::Option::None,
                                            constant: _p::Option::None,
                                            pattern: _p::Option::None,
                                            title: _p::Option::None,
                                            description: _p::Option::None,
                                            examples: _p::Vec::new(),
                                        },
                                    ]),
                                    keeps_unknown: true,
                                })
                            }),
                    )
                }
                fn __to_object(&self) -> _p::Map<_p::String, _p::Value> {
                    let mut object = _p::Map::with_capacity(6usize);
                    _p::put(&mut object, "request-id", &self.request_id);
                    _p::put(&mut object, "version", &self.version);
                    _p::put(&mut object, "sentinel-endpoints", &self.sentinel_endpoints);
                    _p::put(&mut object, "password", &self.password);
                    _p::put(&mut object, "secret-user", &self.secret_user);
                    _p::put(&mut object, "requests", &self.requests);
                    _p::put_unknown(&mut object, &self.extra);
                    object
                }
                fn __from_object(
                    mut __object: _p::Map<_p::String, _p::Value>,
                    __path: &_databag::Path,
                ) -> _p::Result<Self, _databag::Error> {
                    let __field0 = _p::field::<
                        String,
                    >(&mut __object, "request-id", &[], _p::Option::None, __path)?;
                    let __field1 = _p::field::<
                        String,
                    >(&mut __object, "version", &[], _p::Option::None, __path)?;
                    _p::check_constant(&__field1, "v1", &__path.key("version"))?;
                    let __field2 = _p::field::<
                        Option<String>,
                    >(
                        &mut __object,
                        "sentinel-endpoints",
                        &["sentinel_endpoints"],
                        _p::Option::None,
                        __path,
                    )?;
                    let __field3 = _p::field::<
                        Option<Secret<String>>,
                    >(&mut __object, "password", &[], _p::Option::None, __path)?;
                    let __field4 = _p::field::<
                        Option<SecretUri>,
                    >(&mut __object, "secret-user", &[], _p::Option::None, __path)?;
                    let __field5 = _p::field::<
                        Vec<String>,
                    >(
                        &mut __object,
                        "requests",
                        &[],
                        _p::Option::Some(<Vec<String> as ::core::default::Default>::default),
                        __path,
                    )?;
                    _p::Result::Ok(Self {
                        request_id: __field0,
                        version: __field1,
                        sentinel_endpoints: __field2,
                        password: __field3,
                        secret_user: __field4,
                        requests: __field5,
                        extra: __object,
                    })
                }
                fn __from_bag_fast(__bag: &_databag::Bag) -> _p::Result<Self, _p::Fallback> {
                    let __field0: String = match _p::bag_field::<
                        String,
                    >(__bag, &["request-id"], false)? {
                        _p::Option::Some(__value) => __value,
                        _p::Option::None => _p::absent::<String>(_p::Option::None)?,
                    };
                    let __field1: String = match _p::bag_field::<
                        String,
                    >(__bag, &["version"], false)? {
                        _p::Option::Some(__value) => __value,
                        _p::Option::None => _p::absent::<String>(_p::Option::None)?,
                    };
                    let __field2: Option<String> = match _p::bag_field::<
                        Option<String>,
                    >(__bag, &["sentinel-endpoints", "sentinel_endpoints"], false)? {
                        _p::Option::Some(__value) => __value,
                        _p::Option::None => _p::absent::<Option<String>>(_p::Option::None)?,
                    };
                    let __field3: Option<Secret<String>> = _p::absent::<
                        Option<Secret<String>>,
                    >(_p::Option::None)?;
                    let __field4: Option<SecretUri> = match _p::bag_field::<
                        Option<SecretUri>,
                    >(__bag, &["secret-user"], false)? {
                        _p::Option::Some(__value) => __value,
                        _p::Option::None => _p::absent::<Option<SecretUri>>(_p::Option::None)?,
                    };
                    let __field5: Vec<String> = match _p::bag_field::<
                        Vec<String>,
                    >(__bag, &["requests"], false)? {
                        _p::Option::Some(__value) => __value,
                        _p::Option::None => {
                            _p::absent::<
                                Vec<String>,
                            >(
                                _p::Option::Some(
                                    <Vec<String> as ::core::default::Default>::default,
                                ),
                            )?
                        }
                    };
                    _p::constant(&__field1, "v1").map_err(|_| _p::Fallback)?;
                    _p::Result::Ok(Response {
                        request_id: __field0,
                        version: __field1,
                        sentinel_endpoints: __field2,
                        password: __field3,
                        secret_user: __field4,
                        requests: __field5,
                        extra: _p::bag_unknown(
                            __bag,
                            &[
                                "request-id",
                                "version",
                                "sentinel-endpoints",
                                "sentinel_endpoints",
                                "password",
                                "secret-user",
                                "requests",
                            ],
                        ),
                    })
                }
                fn __resolve_fast(
                    &mut self,
                    __resolver: &mut dyn _databag::SecretResolver,
                ) -> _p::Result<(), _p::Fallback> {
                    if let _p::Option::Some(__uri) = _p::WireValue::secret_uri(
                        &self.secret_user,
                    )? {
                        let __content = _p::fetch(__resolver, __uri)?;
                        if let _p::Option::Some(__text) = __content.get("password") {
                            self.password = _p::content::<Option<Secret<String>>>(__text)?;
                        }
                    }
                    _p::WireValue::resolve_fast(&mut self.request_id, __resolver)?;
                    _p::WireValue::resolve_fast(&mut self.version, __resolver)?;
                    _p::WireValue::resolve_fast(&mut self.sentinel_endpoints, __resolver)?;
                    _p::WireValue::resolve_fast(&mut self.secret_user, __resolver)?;
                    _p::WireValue::resolve_fast(&mut self.requests, __resolver)?;
                    _p::Result::Ok(())
                }
                fn __encode_bag(&self, __enc: &mut _p::Encoder) -> _p::Result<(), _p::Fallback> {
                    _p::check_unknown(
                        &self.extra,
                        &[
                            "request-id",
                            "version",
                            "sentinel-endpoints",
                            "sentinel_endpoints",
                            "password",
                            "secret-user",
                            "requests",
                        ],
                    )?;
                    let __first = __enc.slot_count();
                    if let _p::Option::Some(__text) = _p::content_text(&self.password)? {
                        __enc.secret(__first, "user", "password", __text);
                    }
                    __enc.bag_value("request-id", false, &self.request_id)?;
                    __enc.bag_value("version", false, &self.version)?;
                    __enc.bag_value("sentinel-endpoints", false, &self.sentinel_endpoints)?;
                    match __enc.own_slot(__first, "user") {
                        _p::Option::Some(__slot) => __enc.bag_uri("secret-user", __slot),
                        _p::Option::None => {
                            __enc.bag_value("secret-user", false, &self.secret_user)?;
                        }
                    }
                    __enc.bag_value("requests", false, &self.requests)?;
                    __enc.bag_unknown(&self.extra);
                    _p::Result::Ok(())
                }
            }
            #[automatically_derived]
            impl _p::WireValue for Response where
                    String: _p::WireValue,
                    Option<String>: _p::WireValue,
                    Option<Secret<String>>: _p::WireValue,
                    Option<SecretUri>: _p::WireValue,
                    Vec<String>: _p::WireValue,
                {
                fn kind() -> _databag::Kind {
                    _databag::Kind::Object(<Self as _databag::Databag>::shape())
                }
                fn to_value(&self) -> _p::Option<_p::Value> {
                    _p::Option::Some(_p::Value::Object(_databag::Databag::__to_object(self)))
                }
                fn from_value(
                    value: _p::Value,
                    path: &_databag::Path,
                ) -> _p::Result<Self, _databag::Error> {
                    _p::object_from_value(value, path)
                        .and_then(|object| <Self as _databag::Databag>::__from_object(
                            object,
                            path,
                        ))
                }
                fn deserialize_wire<'de, __D: _p::serde::Deserializer<'de>>(
                    __deserializer: __D,
                ) -> _p::Result<Self, __D::Error> {
                    struct __Visitor;
                    impl<'de> _p::serde::de::Visitor<'de> for __Visitor where
                    String: _p::WireValue,
                    Option<String>: _p::WireValue,
                    Option<Secret<String>>: _p::WireValue,
                    Option<SecretUri>: _p::WireValue,
                    Vec<String>: _p::WireValue,
                {
                        type Value = Response;
                        fn expecting(
                            &self,
                            __f: &mut ::core::fmt::Formatter<'_>,
                        ) -> ::core::fmt::Result {
                            __f.write_str("a `Response` object")
                        }
                        fn visit_map<__A: _p::serde::de::MapAccess<'de>>(
                            self,
                            mut __map: __A,
                        ) -> _p::Result<Response, __A::Error> {
                            let mut __slot0_0: _p::Option<String> = _p::Option::None;
                            let mut __slot1_0: _p::Option<String> = _p::Option::None;
                            let mut __slot2_0: _p::Option<Option<String>> = _p::Option::None;
                            let mut __slot2_1: _p::Option<Option<String>> = _p::Option::None;
                            let mut __slot4_0: _p::Option<Option<SecretUri>> = _p::Option::None;
                            let mut __slot5_0: _p::Option<Vec<String>> = _p::Option::None;
                            let mut __unknown = _p::Map::new();
                            while let _p::Option::Some(__key) = __map.next_key::<_p::Key<'de>>()?
                            {
                                match __key.as_str() {
                                    "request-id" => {
                                        __slot0_0 = __map
                                            .next_value_seed(_p::Nullable::<String>::new())?;
                                    }
                                    "version" => {
                                        __slot1_0 = __map
                                            .next_value_seed(_p::Nullable::<String>::new())?;
                                    }
                                    "sentinel-endpoints" => {
                                        __slot2_0 = __map
                                            .next_value_seed(_p::Nullable::<Option<String>>::new())?;
                                    }
                                    "sentinel_endpoints" => {
                                        __slot2_1 = __map
                                            .next_value_seed(_p::Nullable::<Option<String>>::new())?;
                                    }
                                    "password" => _p::skip(&mut __map)?,
                                    "secret-user" => {
                                        __slot4_0 = __map
                                            .next_value_seed(_p::Nullable::<Option<SecretUri>>::new())?;
                                    }
                                    "requests" => {
                                        __slot5_0 = __map
                                            .next_value_seed(_p::Nullable::<Vec<String>>::new())?;
                                    }
                                    _ => _p::keep(&mut __map, __key, &mut __unknown)?,
                                }
                            }
                            let __field0: String = match __slot0_0 {
                                _p::Option::Some(__value) => __value,
                                _p::Option::None => {
                                    _p::absent::<String>(_p::Option::None)
                                        .map_err(|_| _p::declined::<__A::Error>())?
                                }
                            };
                            let __field1: String = match __slot1_0 {
                                _p::Option::Some(__value) => __value,
                                _p::Option::None => {
                                    _p::absent::<String>(_p::Option::None)
                                        .map_err(|_| _p::declined::<__A::Error>())?
                                }
                            };
                            let __field2: Option<String> = match __slot2_0.or(__slot2_1) {
                                _p::Option::Some(__value) => __value,
                                _p::Option::None => {
                                    _p::absent::<Option<String>>(_p::Option::None)
                                        .map_err(|_| _p::declined::<__A::Error>())?
                                }
                            };
                            let __field3: Option<Secret<String>> = _p::absent::<
                                Option<Secret<String>>,
                            >(_p::Option::None)
                                .map_err(|_| _p::declined::<__A::Error>())?;
                            let __field4: Option<SecretUri> = match __slot4_0 {
                                _p::Option::Some(__value) => __value,
                                _p::Option::None => {
                                    _p::absent::<Option<SecretUri>>(_p::Option::None)
                                        .map_err(|_| _p::declined::<__A::Error>())?
                                }
                            };
                            let __field5: Vec<String> = match __slot5_0 {
                                _p::Option::Some(__value) => __value,
                                _p::Option::None => {
                                    _p::absent::<
                                        Vec<String>,
                                    >(
                                            _p::Option::Some(
                                                <Vec<String> as ::core::default::Default>::default,
                                            ),
                                        )
                                        .map_err(|_| _p::declined::<__A::Error>())?
                                }
                            };
                            _p::constant(&__field1, "v1")
                                .map_err(|_| _p::declined::<__A::Error>())?;
                            _p::Result::Ok(Response {
                                request_id: __field0,
                                version: __field1,
                                sentinel_endpoints: __field2,
                                password: __field3,
                                secret_user: __field4,
                                requests: __field5,
                                extra: __unknown,
                            })
                        }
                    }
                    __deserializer.deserialize_map(__Visitor)
                }
                fn from_content(__text: &str) -> _p::Option<Self> {
                    _p::json_content(__text)
                }
                fn resolve_fast(
                    &mut self,
                    __resolver: &mut dyn _databag::SecretResolver,
                ) -> _p::Result<(), _p::Fallback> {
                    <Self as _databag::Databag>::__resolve_fast(self, __resolver)
                }
                fn write_json(
                    &self,
                    __out: &mut _p::String,
                    __enc: &mut _p::Encoder,
                ) -> _p::Result<(), _p::Fallback> {
                    _p::check_unknown(
                        &self.extra,
                        &[
                            "request-id",
                            "version",
                            "sentinel-endpoints",
                            "sentinel_endpoints",
                            "password",
                            "secret-user",
                            "requests",
                        ],
                    )?;
                    let __first = __enc.slot_count();
                    if let _p::Option::Some(__text) = _p::content_text(&self.password)? {
                        __enc.secret(__first, "user", "password", __text);
                    }
                    __out.push('{');
                    let mut __separate = false;
                    if !_p::WireValue::is_absent(&self.request_id) {
                        _p::write_key(__out, &mut __separate, "request-id");
                        __enc.enter("request-id");
                        _p::WireValue::write_json(&self.request_id, __out, __enc)?;
                        __enc.leave();
                    }
                    if !_p::WireValue::is_absent(&self.version) {
                        _p::write_key(__out, &mut __separate, "version");
                        __enc.enter("version");
                        _p::WireValue::write_json(&self.version, __out, __enc)?;
                        __enc.leave();
                    }
                    if !_p::WireValue::is_absent(&self.sentinel_endpoints) {
                        _p::write_key(__out, &mut __separate, "sentinel-endpoints");
                        __enc.enter("sentinel-endpoints");
                        _p::WireValue::write_json(&self.sentinel_endpoints, __out, __enc)?;
                        __enc.leave();
                    }
                    if let _p::Option::Some(__slot) = __enc.own_slot(__first, "user") {
                        _p::write_key(__out, &mut __separate, "secret-user");
                        __enc.mark(__out, __slot);
                    } else if !_p::WireValue::is_absent(&self.secret_user) {
                        _p::write_key(__out, &mut __separate, "secret-user");
                        __enc.enter("secret-user");
                        _p::WireValue::write_json(&self.secret_user, __out, __enc)?;
                        __enc.leave();
                    }
                    if !_p::WireValue::is_absent(&self.requests) {
                        _p::write_key(__out, &mut __separate, "requests");
                        __enc.enter("requests");
                        _p::WireValue::write_json(&self.requests, __out, __enc)?;
                        __enc.leave();
                    }
                    _p::write_unknown(__out, &mut __separate, &self.extra);
                    __out.push('}');
                    _p::Result::Ok(())
                }
            }
        };
    };
    assert_eq!(expand(input), pretty(expected));
}

#[test]
fn enum_expansion() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[databag(tag = "version", crate = "::my_runtime::databag")]
        enum RequirerBag {
            #[databag(default)]
            V0(v0::Requirer),
            V1(v1::Requirer),
        }
    };
    let expected = quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::absolute_paths)]
        const _: () = {
            use ::my_runtime::databag as _databag;
            use _databag::__private as _p;
            #[automatically_derived]
            impl _databag::Versioned for RequirerBag where v0::Requirer: _databag::Databag, v1::Requirer: _databag::Databag, {
                fn versions() -> _p::Arc<_databag::Versions> {
                    static VERSIONS: _p::OnceLock<_p::Arc<_databag::Versions>> = _p::OnceLock::new();
                    _p::Arc::clone(VERSIONS.get_or_init(|| {
                        _p::Arc::new(_databag::Versions {
                            tag: _p::String::from("version"),
                            variants: _p::Vec::from([
                                _databag::Variant {
                                    name: _p::String::from("v0"),
                                    selector: _databag::Selector::ValueOrAbsent(_p::String::from("v0")),
                                    shape: <v0::Requirer as _databag::Databag>::shape(),
                                },
                                _databag::Variant {
                                    name: _p::String::from("v1"),
                                    selector: _databag::Selector::Value(_p::String::from("v1")),
                                    shape: <v1::Requirer as _databag::Databag>::shape(),
                                },
                            ]),
                        })
                    }))
                }

                fn from_bag(bag: &_databag::Bag) -> _p::Result<Self, _databag::Error> {
                    match _p::select_variant(&<Self as _databag::Versioned>::versions(), bag)? {
                        0 => <v0::Requirer as _databag::Databag>::from_bag(bag).map(Self::V0),
                        _ => <v1::Requirer as _databag::Databag>::from_bag(bag).map(Self::V1),
                    }
                }

                fn join(
                    bag: &_databag::Bag,
                    resolver: &mut dyn _databag::SecretResolver,
                ) -> _p::Result<Self, _databag::Error> {
                    match _p::select_variant(&<Self as _databag::Versioned>::versions(), bag)? {
                        0 => <v0::Requirer as _databag::Databag>::join(bag, resolver).map(Self::V0),
                        _ => <v1::Requirer as _databag::Databag>::join(bag, resolver).map(Self::V1),
                    }
                }

                fn split(&self) -> _p::Result<_databag::Split, _databag::Error> {
                    match self {
                        Self::V0(inner) => <v0::Requirer as _databag::Databag>::split(inner),
                        Self::V1(inner) => <v1::Requirer as _databag::Databag>::split(inner),
                    }
                }

                fn to_bag(&self) -> _p::Result<_databag::Bag, _databag::Error> {
                    match self {
                        Self::V0(inner) => <v0::Requirer as _databag::Databag>::to_bag(inner),
                        Self::V1(inner) => <v1::Requirer as _databag::Databag>::to_bag(inner),
                    }
                }

                fn to_bag_routed(
                    &self,
                    route: &mut dyn FnMut(&_databag::SecretSlot) -> _p::Result<_databag::SecretUri, _databag::Error>,
                ) -> _p::Result<_databag::Bag, _databag::Error> {
                    match self {
                        Self::V0(inner) => <v0::Requirer as _databag::Databag>::to_bag_routed(inner, route),
                        Self::V1(inner) => <v1::Requirer as _databag::Databag>::to_bag_routed(inner, route),
                    }
                }
            }
        };
    };
    assert_eq!(expand(input), pretty(expected));
}

/// All errors of one input arrive together (darling's accrue_errors): three mistakes, three
/// errors, in source order.
#[test]
fn errors_accumulate() {
    let input: syn::DeriveInput = syn::parse_quote! {
        struct Three {
            #[databag(renam = "a")]
            a: String,
            #[databag(secret = "user")]
            password: Secret<String>,
            #[databag(secret_uri = "User")]
            secret_user: Option<SecretUri>,
        }
    };
    let err = super::derive(&input).expect_err("input has mistakes");
    let messages: Vec<String> = err.into_iter().map(|e| e.to_string()).collect();
    assert_eq!(
        messages,
        [
            "unknown databag attribute `renam`, did you mean `rename`?",
            "a secret field must be an `Option<Secret<...>>`: its value is absent until its \
             secret is resolved",
            "malformed secret group name \"User\": expected lowercase letters and digits, \
             starting with a letter, in dash-separated words (`user`, `requested-entity`)",
        ]
    );
}

/// Shape errors come with the attribute errors of the same input.
#[test]
fn shape_errors_keep_attribute_errors() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[databag(rename_all = "kebab")]
        struct Tuple(String);
    };
    let err = super::derive(&input).expect_err("input has mistakes");
    assert_eq!(err.into_iter().count(), 2);
}

/// `json` is refused by name where it means nothing, and left to the `JsonText` trait check
/// for a type the derive cannot see through (a struct).
#[test]
fn json_is_refused_where_it_means_nothing() {
    let input: syn::DeriveInput = syn::parse_quote! {
        struct Bag {
            #[databag(json)]
            tls: bool,
            #[databag(json)]
            requests: Option<Vec<Request>>,
            #[databag(json)]
            note: Option<String>,
            #[databag(json)]
            single: Request,
        }
    };
    let err = super::derive(&input).expect_err("input has mistakes");
    let messages: Vec<String> = err.into_iter().map(|e| e.to_string()).collect();
    assert_eq!(
        messages,
        [
            "`json` has no effect on a `bool` field: a `bool` is already written as its JSON \
             text, `\"true\"` or `\"false\"`; remove `json` (it only applies to `String` \
             fields, written as a JSON string)",
            "`json` has no effect on a `Vec` field: lists, maps, objects and \
             `serde_json::Value` are always JSON text in a databag; remove `json` (it only \
             applies to `String` fields, written as a JSON string)",
        ]
    );
    let expansion = super::expand(&input).to_string();
    assert!(
        expansion.contains("assert_json_text :: < Request >"),
        "{expansion}"
    );
    assert!(
        !expansion.contains("assert_json_text :: < bool >"),
        "reported once"
    );
}

/// With mistakes in the input, the expansion still checks every field's type, so an
/// unsupported type is reported by the same compilation.
#[test]
fn errors_come_with_the_type_checks() {
    let input: syn::DeriveInput = syn::parse_quote! {
        struct Answer {
            #[databag(renam = "x")]
            endpoints: String,
            port: u16,
            #[databag(flatten)]
            extra: Unknown,
        }
    };
    let expansion = super::expand(&input).to_string();
    assert!(expansion.contains("compile_error"), "{expansion}");
    for check in [
        "assert_wire_value :: < String >",
        "assert_wire_value :: < u16 >",
        "assert_unknown :: < Unknown >",
    ] {
        assert!(expansion.contains(check), "{check} in {expansion}");
    }
    let generic: syn::DeriveInput = syn::parse_quote! {
        struct Generic<T> { value: T }
    };
    let expansion = super::expand(&generic).to_string();
    assert!(
        !expansion.contains("assert_wire_value"),
        "T is not in scope: {expansion}"
    );
}
