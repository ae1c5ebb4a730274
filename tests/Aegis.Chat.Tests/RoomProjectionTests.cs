using System.Security.Cryptography;
using Aegis.Chat.Client;
using Aegis.Chat.Rooms;
using Aegis.Content.Cids;
using Aegis.Content.Tests.Support;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Storage;

namespace Aegis.Chat.Tests;

/// <summary>
/// The room state machine over committed blocks, on both engines: what a Byzantine proposer could put in a block
/// (a non-member's signed message, a member list change by a non-creator, a replay, a forged signature) never
/// becomes part of a room.
/// </summary>
public sealed class RoomProjectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aegis-rooms-").FullName;
    private readonly ChatKeys _alice = ChatKeys.Generate();
    private readonly ChatKeys _bob = ChatKeys.Generate();
    private readonly ChatKeys _eve = ChatKeys.Generate();
    private ulong _height;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Only_members_post_only_the_creator_changes_members_and_each_transaction_counts_once(string engine)
    {
        if (Engines.Options(engine, _dir) is not { } options)
        {
            return; // PostgreSQL absent outside CI.
        }

        await using ChatStore store = ChatStore.Create(options);
        await store.InitializeAsync(default);
        byte[] body = RoomBodies.CreateRoom("r", [_alice.Identity, _bob.Identity], RandomNumberGenerator.GetBytes(16));
        byte[] room = ChatEnvelope.RoomId(_alice.Identity.AsSpan(0, 32), body);
        Transaction create = Tx(_alice, ChatKind.CreateRoom, room, body);
        Transaction fromBob = Message(_bob, room, "one");
        Transaction fromEve = Message(_eve, room, "eve");
        Transaction bobChangesMembers = Tx(_bob, ChatKind.SetMembers, room, RoomBodies.SetMembers([_bob.Identity, _eve.Identity]));
        Transaction forged = Forged(room);
        await ApplyAsync(store, create, fromBob, fromEve, bobChangesMembers, forged, fromBob);

        RoomRecord r = (await store.GetRoomAsync(room, default))!;
        Assert.Equal(2, r.Members.Count);
        List<MessageRecord> messages = await store.MessagesAsync(room, 0, 100, default);
        Assert.Single(messages);
        Assert.Equal(_bob.Identity, messages[0].Sender);

        // The creator removes Bob: his next message is ordered but not appended.
        await ApplyAsync(store, Tx(_alice, ChatKind.SetMembers, room, RoomBodies.SetMembers([_alice.Identity])), Message(_bob, room, "two"), Message(_alice, room, "three"));
        messages = await store.MessagesAsync(room, 0, 100, default);
        Assert.Equal([1L, 2L], messages.Select(m => m.Index));
        Assert.Equal(_alice.Identity, messages[1].Sender);
        Assert.Equal(_height, await store.LoadHeightAsync(default));
    }

    [Fact]
    public void The_executor_rejects_a_forged_chat_signature_and_a_squatted_room_id()
    {
        byte[] body = RoomBodies.CreateRoom("r", [_alice.Identity], RandomNumberGenerator.GetBytes(16));
        byte[] squatted = RandomNumberGenerator.GetBytes(32);
        Transaction[] txs = [Forged(ChatEnvelope.RoomId(_alice.Identity.AsSpan(0, 32), body)), Tx(_alice, ChatKind.CreateRoom, squatted, body), Message(_alice, squatted, "ok")];
        ExecutionResult result = BlockExecutor.Execute(BlockOf(1, txs), Hash32.Zero, new NothingApplied(), new InMemoryTreeNodeStore());
        Assert.Equal([TxOutcome.Rejected, TxOutcome.Rejected, TxOutcome.Applied], result.Outcomes);
        Assert.Empty(result.Changes);
    }

    private static Transaction Tx(ChatKeys who, ChatKind kind, byte[] room, byte[] body)
    {
        byte[] sig = who.Sign(ChatEnvelope.SignBytes(kind, room, who.Identity.AsSpan(0, 32), body));
        return Transaction.Create(TxOp.Chat, room, new ChatEnvelope(kind, who.Identity[..32], body, sig).Encode(), []);
    }

    private static Transaction Message(ChatKeys who, byte[] room, string text) =>
        Tx(who, ChatKind.Message, room, Cid.Of(System.Text.Encoding.UTF8.GetBytes(text), 1, Multicodec.Raw).ToBytes());

    private Transaction Forged(byte[] room)
    {
        byte[] body = Cid.Of("forged"u8, 1, Multicodec.Raw).ToBytes();
        return Transaction.Create(TxOp.Chat, room, new ChatEnvelope(ChatKind.Message, _bob.Identity[..32], body, _eve.Sign(body)).Encode(), []);
    }

    private async Task ApplyAsync(ChatStore store, params Transaction[] txs)
    {
        _height++;
        Block block = BlockOf(_height, txs);
        await store.ApplyBlockAsync(new StoredBlock(block, new CommitCertificate(block.Height, block.Hash, 0, []), Hash32.Zero), default);
    }

    private static Block BlockOf(ulong height, Transaction[] txs) =>
        new(new BlockHeader("chat-test", height, 0, Hash32.Zero, Block.ComputeTxRoot(txs), Hash32.Zero, 0, 1_700_000_000_000, (uint)txs.Length), txs);

    private sealed class NothingApplied : IStateView
    {
        public bool IsTxApplied(Hash32 txHash) => false;
    }
}
