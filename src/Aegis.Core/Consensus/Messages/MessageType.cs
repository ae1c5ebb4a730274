namespace Aegis.Core.Consensus.Messages;

/// <summary>First byte of every encoded consensus message.</summary>
public enum MessageType : byte
{
    PrePrepare = 1,
    Prepare = 2,
    Commit = 3,
    Checkpoint = 4,
    ViewChange = 5,
    NewView = 6,
    Status = 7,
}
