using Aegis.Core.Crypto;
using Aegis.Storage.Memory;
using Aegis.Storage.Tests.Contract;

namespace Aegis.Storage.Tests.Memory;

/// <summary>The contract against the in-memory engine the simulator stands in for a disk.</summary>
public sealed class MemoryNodeStoreTests : NodeStoreContract
{
    private readonly MemoryStoreData _data = new("contract");

    protected override INodeStore CreateStore(Hash32? genesisHash) => new MemoryNodeStore(_data, genesisHash);

    protected override Task SetStoredSchemaVersionAsync(int version)
    {
        _data.SchemaVersion = version;
        return Task.CompletedTask;
    }
}
