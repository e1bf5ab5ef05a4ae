//! `java.util.ArrayList`: a shared, mutable list.

use std::cell::{Ref, RefCell};
use std::fmt;
use std::rc::Rc;

use super::Value;

/// A `java.util.ArrayList`. Cloning shares the list (as a Java reference does); use [`List::deep_copy`]
/// for an independent copy.
#[derive(Clone)]
pub struct List(Rc<Cell>);

impl Default for List {
    fn default() -> List {
        List::wrap(Vec::new(), false)
    }
}

pub(crate) struct Cell {
    pub(crate) items: RefCell<Vec<Value>>,
    /// A `keySet()`/`values()`/`entrySet()` snapshot: Java's views reject `add`.
    readonly: bool,
}

/// The room a list built item by item gets on its first add.
const FIRST_CAPACITY: usize = 16;

impl List {
    /// Every list is made here, so a render can find the lists it created (see `value::cycles`).
    fn wrap(items: Vec<Value>, readonly: bool) -> List {
        let cell = Rc::new(Cell {
            items: RefCell::new(items),
            readonly,
        });
        super::cycles::track_list(&cell);
        List(cell)
    }

    pub(crate) fn cell(&self) -> &Rc<Cell> {
        &self.0
    }

    /// A new empty list.
    pub fn new() -> List {
        List::default()
    }

    /// A new empty list with room for `n` items.
    pub fn with_capacity(n: usize) -> List {
        List::wrap(Vec::with_capacity(n), false)
    }

    /// Appends an item (`add`).
    pub fn push(&self, v: Value) {
        let mut items = self.0.items.borrow_mut();
        // Room for sixteen on the first add (`ArrayList` makes ten): lists built item by item grow fewer times,
        // and a grown list is copied by `realloc`, which costs several allocations.
        if items.capacity() == 0 {
            items.reserve(FIRST_CAPACITY);
        }
        items.push(v);
    }

    /// The number of items (`size()`).
    pub fn len(&self) -> usize {
        self.0.items.borrow().len()
    }

    /// `isEmpty()`.
    pub fn is_empty(&self) -> bool {
        self.0.items.borrow().is_empty()
    }

    /// The item at `i` (`get(i)` without the exception).
    pub fn get(&self, i: usize) -> Option<Value> {
        self.0.items.borrow().get(i).cloned()
    }

    /// Replaces the item at `i`; returns the old one, or `None` when out of range.
    pub fn set(&self, i: usize, v: Value) -> Option<Value> {
        let mut items = self.0.items.borrow_mut();
        items.get_mut(i).map(|slot| std::mem::replace(slot, v))
    }

    /// Borrows the items (do not hold the borrow while calling back into the engine).
    pub fn items(&self) -> Ref<'_, Vec<Value>> {
        self.0.items.borrow()
    }

    /// A copy of the items (cheap: values are reference-counted).
    pub fn to_vec(&self) -> Vec<Value> {
        self.0.items.borrow().clone()
    }

    /// An independent copy of the list and, recursively, of lists and maps inside it.
    pub fn deep_copy(&self) -> List {
        List::from_iter(self.0.items.borrow().iter().map(super::map::deep_copy_value))
    }

    /// A read-only list (what `Map.keySet()` and friends hand out).
    pub(crate) fn readonly(items: Vec<Value>) -> List {
        List::wrap(items, true)
    }

    pub(crate) fn is_readonly(&self) -> bool {
        self.0.readonly
    }

    /// `true` when both handles point to the same Java list.
    pub fn ptr_eq(&self, other: &List) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    pub(crate) fn addr(&self) -> usize {
        Rc::as_ptr(&self.0).cast::<u8>() as usize
    }

    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(&mut Vec<Value>) -> R) -> R {
        f(&mut self.0.items.borrow_mut())
    }

    /// `AbstractList.equals`: same size and pairwise `equals`.
    pub(crate) fn java_equals(&self, other: &List) -> bool {
        if self.ptr_eq(other) {
            return true;
        }
        let (a, b) = (self.to_vec(), other.to_vec());
        a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.java_equals(y))
    }
}

impl FromIterator<Value> for List {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> List {
        List::wrap(iter.into_iter().collect(), false)
    }
}

impl From<Vec<Value>> for List {
    fn from(v: Vec<Value>) -> List {
        List::wrap(v, false)
    }
}

impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&Value::List(self.clone()).to_java_string())
    }
}
