//! The render-time host: the values of `$input`, `$util`, `$context` and `$stageVariables` for one render.

use std::cell::{Cell, OnceCell};
use std::rc::Rc;

use tollgate_vtl::{Host, HostError, Prepared, RootId, Value};

use super::TemplateInput;
use super::input::{InputData, InputObject, UtilObject, call_util};
use super::lazy_roots::{ContextRoot, StageVariablesRoot};
use super::schema::{Roots, op};
use super::state::ContextState;
use super::values::Converter;
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
    converter: Rc<Converter>,
    /// `$context`; its map, when built, is read back after the render (overrides, carried keys).
    pub(crate) context: ContextRoot,
    stage_variables: StageVariablesRoot,
}

impl<'a> RenderHost<'a> {
    pub(crate) fn new(roots: Roots, input: &'a TemplateInput<'a>, state: &'a ContextState, json_work: u64) -> Self {
        RenderHost {
            roots,
            input,
            state,
            json: Rc::new(OnceCell::new()),
            work: Rc::new(Cell::new(json_work)),
            converter: Rc::default(),
            context: ContextRoot::new(),
            stage_variables: StageVariablesRoot::new(),
        }
    }

    fn input_data(&self) -> InputData<'_> {
        InputData::new(
            self.input.method,
            self.input.body,
            &self.json,
            &self.work,
            &self.converter,
        )
    }
}

impl Host for RenderHost<'_> {
    fn root(&self, id: RootId) -> Value {
        if id == self.roots.context {
            Value::Map(self.context.map(self.input.context, self.state))
        } else if id == self.roots.stage_variables {
            Value::Map(self.stage_variables.map(self.input.stage_variables))
        } else if id == self.roots.util {
            Value::object(UtilObject {
                work: self.work.clone(),
                converter: self.converter.clone(),
            })
        } else if id == self.roots.input {
            Value::object(InputObject {
                method: self.input.method.clone(),
                body: self.input_data().body.to_owned(),
                json: self.json.clone(),
                work: self.work.clone(),
                converter: self.converter.clone(),
            })
        } else {
            Value::Null
        }
    }

    fn call_prepared(&self, call: &Prepared, args: &[Value]) -> Result<Value, HostError> {
        match call.id {
            op::INPUT_BODY..=op::INPUT_PARAMS_ONE => self.input_data().call(call.id, call.data::<JsonPath>(), args),
            op::STAGE_VARIABLE => Ok(call.data::<Box<str>>().map_or(Value::Null, |name| {
                self.stage_variables.get(name, self.input.stage_variables)
            })),
            id if id >= op::CONTEXT_MEMBER => Ok(self
                .context
                .member((id - op::CONTEXT_MEMBER) as usize, self.input.context)),
            _ => call_util(call.id, args, &self.work, &self.converter),
        }
    }
}

impl std::fmt::Debug for RenderHost<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderHost").finish_non_exhaustive()
    }
}
