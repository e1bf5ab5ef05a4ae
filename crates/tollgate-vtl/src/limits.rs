//! Behaviour profiles and limits: templates are input, so every render is bounded.

/// Which Velocity the engine behaves as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Profile {
    /// Stock Apache Velocity 1.7: an undefined non-quiet reference renders as its source text.
    #[default]
    Velocity,
    /// Amazon API Gateway's mapping templates: Velocity 1.7 with AWS's recorded deviations: an undefined or
    /// null reference renders as nothing (as if every reference were quiet), a null equals `""` as well as
    /// null in `==`/`!=`, and (through [`Limits::api_gateway`]) `#foreach` stops after 1,000 iterations.
    ApiGateway,
}

/// Bounds on compiling and rendering. Start from [`Limits::velocity`] or [`Limits::api_gateway`] and adjust
/// fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest template source accepted, in bytes.
    pub max_template_bytes: usize,
    /// Deepest nesting of directives, brackets and parentheses accepted at compile time (the parser is
    /// recursive: this bounds its stack use).
    pub max_nesting: u32,
    /// Iterations after which each `#foreach` stops (as Velocity's `directive.foreach.maxloops`); `None`: no cap.
    pub max_foreach: Option<u32>,
    /// Largest output of one render, in bytes.
    pub max_output_bytes: usize,
    /// Step budget of one render (each node evaluated, loop iteration and collection element costs a step).
    pub fuel: u64,
    /// Deepest nesting of macro calls, `#define` blocks, `#evaluate` and interpolated strings at render time.
    pub max_call_depth: u32,
    /// Deepest nesting of `#evaluate` (each level compiles its text on the render's stack).
    pub max_evaluate_depth: u32,
    /// Deepest nesting of macro calls alone: Velocity's `velocimacro.max.depth` (20; exceeding it is a render
    /// error, as in Velocity).
    pub max_macro_depth: u32,
    /// Deepest nesting of blocks and expressions while rendering, all causes together (directives inside macros
    /// inside `#evaluate`…): bounds the stack a render uses.
    pub max_depth: u32,
    /// Largest list, map or string a template can build (ranges, `add`, concatenation), in elements or bytes.
    pub max_collection_len: usize,
}

impl Limits {
    /// Stock Velocity: no `#foreach` cap; generous but finite safety bounds.
    pub fn velocity() -> Limits {
        Limits {
            max_template_bytes: 1 << 20,
            max_nesting: 64,
            max_foreach: None,
            max_output_bytes: 64 << 20,
            fuel: 100_000_000,
            max_call_depth: 64,
            max_macro_depth: 20,
            max_evaluate_depth: 8,
            max_depth: 600,
            max_collection_len: 1 << 24,
        }
    }

    /// API Gateway: templates up to 300 KB, `#foreach` stops after 1,000 iterations, output ≤ 10 MB.
    pub fn api_gateway() -> Limits {
        Limits {
            max_template_bytes: 300 * 1024,
            max_nesting: 64,
            max_foreach: Some(1000),
            max_output_bytes: 10 << 20,
            fuel: 10_000_000,
            max_call_depth: 64,
            max_macro_depth: 20,
            max_evaluate_depth: 8,
            max_depth: 600,
            max_collection_len: 1 << 20,
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::velocity()
    }
}
