namespace Harness.Sim.Coverage;

/// <summary>One point of a <see cref="CoverageCategory"/>: a row (and column) label, how often it was reached, and whether it is in the category's universe.</summary>
/// <param name="Row">The row label (a source state, an event, a status, a fault site).</param>
/// <param name="Column">The column label (a target state, a qpair state, a WR type), or null in a one-column category.</param>
/// <param name="Count">Times reached.</param>
/// <param name="InUniverse">False for a point reached outside the universe (a universe that is too small says so here).</param>
public readonly record struct CoveragePoint(string Row, string? Column, long Count, bool InUniverse);
