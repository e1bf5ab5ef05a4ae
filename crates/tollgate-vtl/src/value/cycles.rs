//! Reference cycles made by templates (`$m.put("self", $m)`) would leak with reference counting, render after
//! render — input-driven unbounded memory. Java's garbage collector frees them; this module does the same for
//! one render: every list and map created while a render runs is recorded (a weak handle), and when the render
//! ends, those no longer reachable from outside (the host, the caller) are emptied, which breaks their cycles.
//!
//! Reachability is found by trial deletion: a container's strong count minus the references other recorded
//! containers hold to it is its count of outside references; everything reachable from a container with outside
//! references survives.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use super::Value;
use super::list::Cell as ListCell;
use super::map::MapCell;

enum Tracked {
    List(Weak<ListCell>),
    Map(Weak<MapCell>),
}

enum Live {
    List(Rc<ListCell>),
    Map(Rc<MapCell>),
}

impl Live {
    fn addr(&self) -> usize {
        match self {
            Live::List(l) => Rc::as_ptr(l).cast::<u8>() as usize,
            Live::Map(m) => Rc::as_ptr(m).cast::<u8>() as usize,
        }
    }

    fn strong(&self) -> usize {
        match self {
            Live::List(l) => Rc::strong_count(l),
            Live::Map(m) => Rc::strong_count(m),
        }
    }

    fn children(&self, visit: &mut dyn FnMut(&Value)) {
        let mut each = |v: &Value| {
            visit(v);
            if let Value::Object(o) = v {
                o.trace(visit);
            }
        };
        match self {
            Live::List(l) => l.items.borrow().iter().for_each(&mut each),
            Live::Map(m) => m.borrow().iter().for_each(|(k, v)| {
                each(&k.0);
                each(v);
            }),
        }
    }

    fn clear(&self) {
        match self {
            Live::List(l) => drop(std::mem::take(&mut *l.items.borrow_mut())),
            Live::Map(m) => drop(std::mem::take(&mut *m.borrow_mut())),
        }
    }
}

/// The containers recorded on this thread, while `active`. The buffer outlives the renders: a render that makes
/// a few lists does not allocate to record them.
struct Tracker {
    active: bool,
    recorded: Vec<Tracked>,
}

/// Recorded handles kept between renders (more are freed at the end of the render that recorded them).
const KEPT_CAPACITY: usize = 64;

thread_local! {
    static TRACKER: RefCell<Tracker> = const {
        RefCell::new(Tracker {
            active: false,
            recorded: Vec::new(),
        })
    };
}

fn track(handle: impl FnOnce() -> Tracked) {
    TRACKER.with(|t| {
        if let Ok(mut t) = t.try_borrow_mut()
            && t.active
        {
            t.recorded.push(handle());
        }
    });
}

pub(crate) fn track_list(cell: &Rc<ListCell>) {
    track(|| Tracked::List(Rc::downgrade(cell)));
}

pub(crate) fn track_map(cell: &Rc<MapCell>) {
    track(|| Tracked::Map(Rc::downgrade(cell)));
}

/// Frees reference cycles among the lists and maps created while it lives.
///
/// Every render runs inside one. A host that builds values *before* rendering (a request body turned into
/// maps, a `VarsHost`) should create a guard first and drop it after those values, so a cycle the template
/// builds through them (`$body.put("self", $body)`) is freed too:
///
/// ```
/// # use tollgate_vtl::{CycleGuard, Engine, Map, Value, VarsHost};
/// let template = Engine::new().compile("t.vm", "$!m.put('self', $m)")?;
/// let _guard = CycleGuard::new(); // first in, last out
/// let vars = Map::new();
/// vars.insert("m", Value::Map(Map::new()));
/// template.render(&VarsHost::new(vars))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Guards nest: only the outermost one collects.
#[derive(Debug)]
pub struct CycleGuard {
    _tracking: Tracking,
}

impl CycleGuard {
    /// Starts recording containers created on this thread.
    pub fn new() -> CycleGuard {
        CycleGuard {
            _tracking: Tracking::start(),
        }
    }
}

impl Default for CycleGuard {
    fn default() -> CycleGuard {
        CycleGuard::new()
    }
}

/// Records containers created until dropped; then frees the unreachable cycles among them.
#[derive(Debug)]
pub(crate) struct Tracking {
    outer: Option<usize>,
}

impl Tracking {
    pub(crate) fn start() -> Tracking {
        let outer = TRACKER.with(|t| {
            let mut t = t.borrow_mut();
            let outer_len = t.active.then_some(t.recorded.len());
            t.active = true;
            outer_len
        });
        Tracking { outer }
    }
}

impl Drop for Tracking {
    fn drop(&mut self) {
        // A nested render: its containers stay recorded for the outer render to judge.
        if self.outer.is_some() {
            return;
        }
        let recorded = TRACKER.with(|t| {
            let mut t = t.borrow_mut();
            t.active = false;
            (!t.recorded.is_empty()).then(|| std::mem::take(&mut t.recorded))
        });
        let Some(mut recorded) = recorded else { return };
        // Collected with the tracker released: clearing a container drops values, whose own drops may record
        // nothing but must not find the tracker borrowed.
        collect(&mut recorded);
        recorded.clear();
        if recorded.capacity() <= KEPT_CAPACITY {
            TRACKER.with(|t| {
                let mut t = t.borrow_mut();
                if !t.active && t.recorded.capacity() == 0 {
                    t.recorded = recorded;
                }
            });
        }
    }
}

fn collect(recorded: &mut Vec<Tracked>) {
    let live: Vec<Live> = recorded
        .drain(..)
        .filter_map(|t| match t {
            Tracked::List(w) => w.upgrade().map(Live::List),
            Tracked::Map(w) => w.upgrade().map(Live::Map),
        })
        .collect();
    if live.is_empty() {
        return;
    }
    let index: HashMap<usize, usize> = live.iter().enumerate().map(|(i, l)| (l.addr(), i)).collect();
    let addr_of = |v: &Value| match v {
        Value::List(l) => Some(Rc::as_ptr(l.cell()).cast::<u8>() as usize),
        Value::Map(m) => Some(Rc::as_ptr(m.cell()).cast::<u8>() as usize),
        _ => None,
    };
    let mut internal = vec![0usize; live.len()];
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); live.len()];
    for (i, node) in live.iter().enumerate() {
        node.children(&mut |v| {
            if let Some(j) = addr_of(v).and_then(|a| index.get(&a).copied()) {
                internal[j] += 1;
                edges[i].push(j);
            }
        });
    }
    let mut alive = vec![false; live.len()];
    let mut stack: Vec<usize> = (0..live.len())
        .filter(|&i| live[i].strong().saturating_sub(1 + internal[i]) > 0)
        .collect();
    while let Some(i) = stack.pop() {
        if alive[i] {
            continue;
        }
        alive[i] = true;
        stack.extend(edges[i].iter().copied().filter(|&j| !alive[j]));
    }
    for (i, node) in live.iter().enumerate() {
        if !alive[i] {
            node.clear();
        }
    }
}
