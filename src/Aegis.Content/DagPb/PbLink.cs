using Aegis.Content.Cids;

namespace Aegis.Content.DagPb;

/// <summary>A dag-pb link: target, name ("" for file chunks) and Tsize (the target's block plus everything below it).</summary>
public sealed record PbLink(Cid Target, string Name, ulong TotalSize);
