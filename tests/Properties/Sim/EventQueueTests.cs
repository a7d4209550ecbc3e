using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Sim.Core;
using Harness.Tests.Properties.Support;

namespace Harness.Tests.Properties.Sim;

/// <summary>
/// The world's event queue against a reference model (a sorted set of keys, with timers as "cancel the old entry,
/// insert the new one"): after any sequence of one-shot inserts, timer schedules and moves (earlier and later) and
/// removals, the queue hands out exactly the model's events in the model's (time, sequence) order, and a timer that
/// fired or was never scheduled is not waiting. This is what lets a reactor's wake-up move in place of leaving a stale
/// event behind without changing any trace.
/// </summary>
public sealed class EventQueueTests
{
    private const int TimersMax = 8;
    private const int StepsMax = 400;

    /// <summary>One step: 0 enqueue, 1 schedule or move timer <c>Timer</c>, 2 dequeue; at time <c>TimeNs</c>.</summary>
    public readonly record struct Step(int Kind, int Timer, long TimeNs);

    [HarnessProperty(MaxTest = 200)]
    public Property Events_leave_in_time_then_sequence_order_and_a_moved_timer_fires_once_at_its_last_time()
    {
        var step = from kind in Gen.Frequency((3, Gen.Constant(0)), (3, Gen.Constant(1)), (2, Gen.Constant(2)))
                   from timer in Gen.Choose(0, TimersMax - 1)
                   from time in Gen.Choose(0, 50)
                   select new Step(kind, timer, time);
        var steps = Gen.Choose(1, StepsMax).SelectMany(n => Gen.ArrayOf(step, n));
        return Prop.ForAll(Arb.From(steps), Run);
    }

    private static void Run(Step[] steps)
    {
        var queue = new EventQueue();
        var timers = Enumerable.Range(0, TimersMax).Select(_ => queue.NewTimer()).ToArray();
        var model = new SortedDictionary<EventKey, long>(); // key -> payload (B)
        var timerKeys = new EventKey?[TimersMax];
        var sequence = 0L;
        foreach (var s in steps)
        {
            if (s.Kind == 2)
            {
                DequeueOne(queue, timers, model, timerKeys);
                continue;
            }

            var key = new EventKey(s.TimeNs, ++sequence);
            var ev = new SimEvent(null!, s.Kind, s.Timer, sequence);
            if (s.Kind == 0)
            {
                queue.Enqueue(ev, key);
            }
            else
            {
                if (timerKeys[s.Timer] is { } old)
                {
                    model.Remove(old);
                }

                Assert.Equal(timerKeys[s.Timer] is not null, queue.IsScheduled(timers[s.Timer]));
                queue.Schedule(timers[s.Timer], ev, key);
                timerKeys[s.Timer] = key;
            }

            model.Add(key, sequence);
            Assert.Equal(model.Count, queue.Count);
        }

        while (model.Count > 0)
        {
            DequeueOne(queue, timers, model, timerKeys);
        }

        Assert.False(queue.TryDequeue(out _, out _), "the queue holds events the model does not");
        Assert.All(timers, t => Assert.False(queue.IsScheduled(t), $"timer {t} still waiting in an empty queue"));
    }

    private static void DequeueOne(EventQueue queue, int[] timers, SortedDictionary<EventKey, long> model, EventKey?[] timerKeys)
    {
        if (model.Count == 0)
        {
            Assert.False(queue.TryPeek(out _), "peek on an empty queue");
            Assert.False(queue.TryDequeue(out _, out _), "dequeue from an empty queue");
            return;
        }

        var expected = model.First();
        Assert.True(queue.TryPeek(out var peeked), "peek found nothing");
        Assert.Equal(expected.Key, peeked);
        Assert.True(queue.TryDequeue(out var ev, out var key), "dequeue found nothing");
        Assert.Equal(expected.Key, key);
        Assert.Equal(expected.Value, ev.B);
        model.Remove(expected.Key);
        if (ev.Kind == 1)
        {
            Assert.Equal(timerKeys[(int)ev.A], key);
            timerKeys[(int)ev.A] = null;
            Assert.False(queue.IsScheduled(timers[(int)ev.A]), "a timer that fired is still waiting");
        }

        Assert.Equal(model.Count, queue.Count);
    }
}
