//! Reading on one thread while another prepares what was read.
//!
//! Some sources can only be read from the thread that owns them: a store's cursor, the
//! Python interpreter's objects. [`read_and_prepare`] keeps the reading there and hands
//! what it reads, a chunk at a time, to a second thread that prepares each chunk (on
//! every core, if it likes) while the next one is read.

use std::sync::mpsc::sync_channel;

/// Chunks read ahead of the preparing thread before the reader waits for it.
const AHEAD: usize = 2;

/// Joins the preparing thread of [`read_and_prepare`] and returns what it made.
pub type Joiner<'a, O, E> = Box<dyn FnOnce() -> std::thread::Result<Result<O, E>> + Send + 'a>;

/// Runs `read` on this thread and `prepare` on another, overlapped.
///
/// `read` is given a `push` function: each item pushed joins the current chunk, and every
/// `chunk` items the chunk goes to `prepare` with the index of its first item (counted
/// over everything pushed), to be folded into `out`. `push` returns `false` once
/// `prepare` has failed: nothing more is prepared, and the reader should stop. When
/// `read` returns, the last partial chunk is prepared and `wait` is handed the [`Joiner`]
/// that joins the preparing thread (a caller holding a lock the preparing thread never
/// needs can release it around the call). Returns what `read` returned and what
/// `prepare` made (or its first error, or the preparing thread's panic).
///
/// ```
/// use spec_kitty_events::pipeline::read_and_prepare;
/// let (read, doubled) = read_and_prepare(
///     3,
///     Vec::new(),
///     |push| (1..=10).take_while(|&i| push(i)).count(),
///     |first, chunk: Vec<u32>, out: &mut Vec<(usize, u32)>| {
///         out.extend(chunk.iter().enumerate().map(|(i, x)| (first + i, x * 2)));
///         Ok::<(), String>(())
///     },
///     |join| join(),
/// );
/// assert_eq!(read, 10);
/// let doubled = doubled.unwrap().unwrap();
/// assert_eq!(doubled[9], (9, 20));
///
/// // A failure stops the preparing and tells the reader.
/// let (read, failed) = read_and_prepare(
///     2,
///     (),
///     |push| (0..1000).take_while(|&i| push(i)).count(),
///     |first, _chunk: Vec<u32>, _: &mut ()| if first >= 4 { Err(first) } else { Ok(()) },
///     |join| join(),
/// );
/// assert_eq!(failed.unwrap(), Err(4));
/// assert!(read < 1000);
/// ```
pub fn read_and_prepare<T, O, E, R>(
    chunk: usize,
    out: O,
    read: impl FnOnce(&mut dyn FnMut(T) -> bool) -> R,
    prepare: impl Fn(usize, Vec<T>, &mut O) -> Result<(), E> + Send,
    wait: impl FnOnce(Joiner<'_, O, E>) -> std::thread::Result<Result<O, E>>,
) -> (R, std::thread::Result<Result<O, E>>)
where
    T: Send,
    O: Send,
    E: Send,
{
    let chunk = chunk.max(1);
    let (tx, rx) = sync_channel::<(usize, Vec<T>)>(AHEAD);
    std::thread::scope(|scope| {
        let preparing = scope.spawn(move || -> Result<O, E> {
            let mut out = out;
            for (first, items) in rx {
                prepare(first, items, &mut out)?;
            }
            Ok(out)
        });
        let mut pending: Vec<T> = Vec::with_capacity(chunk);
        let (mut first, mut open) = (0usize, true);
        let read_out = read(&mut |item| {
            if !open {
                return false;
            }
            pending.push(item);
            if pending.len() == chunk {
                let full = std::mem::replace(&mut pending, Vec::with_capacity(chunk));
                // Fails only once the preparing thread has stopped with its error.
                open = tx.send((first, full)).is_ok();
                first += chunk;
            }
            open
        });
        if open && !pending.is_empty() {
            let _ = tx.send((first, pending));
        }
        drop(tx);
        (read_out, wait(Box::new(move || preparing.join())))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_is_prepared_once_in_order_whatever_the_chunk() {
        for chunk in [1, 2, 7, 64, 1000] {
            let (n, out) = read_and_prepare(
                chunk,
                Vec::new(),
                |push| (0..300u32).filter(|&i| push(i)).count(),
                |first, items: Vec<u32>, out: &mut Vec<u32>| {
                    assert_eq!(usize::try_from(items[0]).ok(), Some(first));
                    out.extend(items);
                    Ok::<(), ()>(())
                },
                |join| join(),
            );
            assert_eq!(n, 300);
            assert_eq!(out.unwrap().unwrap(), (0..300).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_panic_while_preparing_reaches_the_caller() {
        let (_, out) = read_and_prepare(
            4,
            (),
            |push| (0..100u32).take_while(|&i| push(i)).count(),
            |first, _: Vec<u32>, _: &mut ()| -> Result<(), ()> {
                assert!(first < 8, "boom");
                Ok(())
            },
            |join| join(),
        );
        assert!(out.is_err());
    }
}
