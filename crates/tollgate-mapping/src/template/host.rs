//! The render-time host: the values of `$input`, `$util`, `$context` and `$stageVariables` for one render.

use std::cell::{Cell, OnceCell};
use std::rc::Rc;

use tollgate_vtl::{Host, HostError, Map, Prepared, RootId, Value};

use super::TemplateInput;
use super::context_value;
use super::input::{InputData, InputObject, UtilObject, call_util};
use super::schema::{Roots, op};
use super::state::ContextState;
use crate::json::Json;
use crate::jsonpath::JsonPath;

pub(crate) struct RenderHost<'a> {
    roots: Roots,
    input: &'a TemplateInput<'a>,
    state: &'a ContextState,
    /// The body parsed as JSON, on first use; shared with an `$input` object handed out.
    json: Rc<OnceCell<Option<Json>>>,
    /// JSON work left in this render, shared with the `$input` / `$util` objects handed out.
    work: Rc<Cell<u64>>,
    /// The `$context` map handed to the template, kept to read overrides back after the render.
    pub(crate) context: OnceCell<Map>,
}

impl<'a> RenderHost<'a> {
    pub(crate) fn new(roots: Roots, input: &'a TemplateInput<'a>, state: &'a ContextState, json_work: u64) -> Self {
        RenderHost {
            roots,
            input,
            state,
            json: Rc::new(OnceCell::new()),
            work: Rc::new(Cell::new(json_work)),
            context: OnceCell::new(),
        }
    }

    fn input_data(&self) -> InputData<'_> {
        InputData::new(self.input.method, self.input.body, &self.json, &self.work)
    }
}

impl Host for RenderHost<'_> {
    fn root(&self, id: RootId) -> Value {
        if id == self.roots.context {
            let map = self
                .context
                .get_or_init(|| context_value::build(self.input.context, self.state));
            Value::Map(map.clone())
        } else if id == self.roots.stage_variables {
            Value::map(
                self.input
                    .stage_variables
                    .iter()
                    .map(|(k, v)| (k.as_str(), Value::string(v.as_str()))),
            )
        } else if id == self.roots.util {
            Value::object(UtilObject {
                work: self.work.clone(),
            })
        } else if id == self.roots.input {
            Value::object(InputObject {
                method: self.input.method.clone(),
                body: self.input_data().body.to_owned(),
                json: self.json.clone(),
                work: self.work.clone(),
            })
        } else {
            Value::Null
        }
    }

    fn call_prepared(&self, call: &Prepared, args: &[Value]) -> Result<Value, HostError> {
        match call.id {
            op::INPUT_BODY..=op::INPUT_PARAMS_ONE => self.input_data().call(call.id, call.data::<JsonPath>(), args),
            _ => call_util(call.id, args, &self.work),
        }
    }
}

impl std::fmt::Debug for RenderHost<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderHost").finish_non_exhaustive()
    }
}
