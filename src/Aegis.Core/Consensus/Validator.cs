using Aegis.Core.Crypto;

namespace Aegis.Core.Consensus;

/// <summary>A member of the validator set: its position (which votes and headers refer to), name, key and address.</summary>
public sealed record Validator(ushort Index, string Id, PublicKey PublicKey, string Address);
