using System.CommandLine;
using Aegis.Chat.Client;
using Aegis.Chat.Rooms;

namespace Aegis.Cli.Commands.Chat;

/// <summary>
/// `aegis chat keygen|fingerprint|room create|send|read`: SecureChat from a terminal, with the same protocol as the web
/// UI (src/Aegis.Chat/Client mirrors wwwroot/chat/crypto.js). Keys stay in the key file; the node gets ciphertext.
/// </summary>
public static class ChatCommands
{
    public static Command Create()
    {
        var chat = new Command("chat", "SecureChat: end-to-end encrypted rooms ordered by the ledger");
        chat.Subcommands.Add(Keygen());
        chat.Subcommands.Add(Fingerprint());
        var room = new Command("room", "chat rooms");
        room.Subcommands.Add(RoomCreate());
        chat.Subcommands.Add(room);
        chat.Subcommands.Add(Send());
        chat.Subcommands.Add(Read());
        return chat;
    }

    private static Option<string> KeyOption() => new("--key") { Description = "the chat key file (from 'aegis chat keygen')", Required = true };

    private static Option<string> UrlOption() => new("--url") { Description = "a node's API URL", Required = true };

    private static Command Keygen()
    {
        var output = new Option<string>("--out", "-o") { Description = "where to write the key file (mode 0600)", Required = true };
        var force = new Option<bool>("--force") { Description = "overwrite an existing key file (destroys that identity)" };
        var command = new Command("keygen", "create a chat identity (X25519 + Ed25519); prints its public identity as one line") { output, force };
        command.SetAction(parse =>
        {
            ChatKeys keys = ChatKeys.Generate();
            try
            {
                keys.Write(parse.GetValue(output)!, parse.GetValue(force));
            }
            catch (IOException ex)
            {
                return CliErrors.Fail("chat keygen", ex.Message);
            }

            Console.WriteLine(keys.IdentityText);
            Console.Error.WriteLine($"fingerprint {SafetyNumbers.Fingerprint(keys.Identity)}; key written to {Path.GetFullPath(parse.GetValue(output)!)} (mode 0600)");
            return CliApp.Ok;
        });
        return command;
    }

    private static Command Fingerprint()
    {
        Option<string> key = KeyOption();
        var peer = new Option<string?>("--peer") { Description = "another member's public identity: prints your safety number with them" };
        var command = new Command("fingerprint", "print your identity's fingerprint, or the safety number you share with --peer") { key, peer };
        command.SetAction(parse => WithKeys(parse.GetValue(key)!, "chat fingerprint", keys =>
        {
            if (parse.GetValue(peer) is { } p)
            {
                if (!ChatIdentity.TryParse(p, out byte[] other))
                {
                    return CliErrors.Report("chat fingerprint", ["--peer: expected a chat identity (86 base64url characters)"]);
                }

                Console.WriteLine(SafetyNumbers.SafetyNumber(keys.Identity, other));
                return CliApp.Ok;
            }

            Console.WriteLine(SafetyNumbers.Fingerprint(keys.Identity));
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command RoomCreate()
    {
        Option<string> url = UrlOption();
        Option<string> key = KeyOption();
        var name = new Option<string>("--name") { Description = "the room's name", Required = true };
        var members = new Option<string[]>("--member") { Description = "a member's public identity (repeat for each)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("create", "create a room of you and the given members; prints the room id as one line") { url, key, name, members };
        command.SetAction((parse, ct) => WithClientAsync(parse.GetValue(url)!, parse.GetValue(key)!, "chat room create", async client =>
        {
            Console.WriteLine(await client.CreateRoomAsync(parse.GetValue(name)!, parse.GetValue(members) ?? [], ct));
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Send()
    {
        Option<string> url = UrlOption();
        Option<string> key = KeyOption();
        var room = new Option<string>("--room") { Description = "the room id", Required = true };
        var text = new Option<string>("--text") { Description = "the message", Required = true };
        var file = new Option<string?>("--file") { Description = "a file to attach (encrypted under its own key)" };
        var command = new Command("send", "encrypt a message (and attachment), store the ciphertext, append it to the room") { url, key, room, text, file };
        command.SetAction((parse, ct) => WithClientAsync(parse.GetValue(url)!, parse.GetValue(key)!, "chat send", async client =>
        {
            if (parse.GetValue(file) is { } f && !File.Exists(f))
            {
                return CliErrors.Report("chat send", [$"--file: {f} not found"]);
            }

            var r = await client.SendAsync(parse.GetValue(room)!, parse.GetValue(text)!, parse.GetValue(file), ct);
            Console.WriteLine($"#{r.Index} at height {r.Height}");
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Read()
    {
        Option<string> url = UrlOption();
        Option<string> key = KeyOption();
        var room = new Option<string>("--room") { Description = "the room id", Required = true };
        var command = new Command("read", "fetch, verify and decrypt the room's messages, in ledger order") { url, key, room };
        command.SetAction((parse, ct) => WithClientAsync(parse.GetValue(url)!, parse.GetValue(key)!, "chat read", async client =>
        {
            int bad = 0;
            foreach (ReadMessage m in await client.ReadAsync(parse.GetValue(room)!, ct))
            {
                if (m.Payload is null)
                {
                    bad++;
                    Console.WriteLine($"#{m.Index} h{m.Height} {m.Sender}: REJECTED: {m.Problem}");
                    continue;
                }

                string files = string.Concat(m.Payload.Attachments.Select(a => $" [attachment {a.Name}, {a.Size} bytes]"));
                Console.WriteLine($"#{m.Index} h{m.Height} {m.Sender}: {m.Payload.Text}{files}");
            }

            return bad == 0 ? CliApp.Ok : CliApp.Failure;
        }));
        return command;
    }

    private static int WithKeys(string path, string verb, Func<ChatKeys, int> work)
    {
        ChatKeys keys;
        try
        {
            keys = ChatKeys.Read(path);
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            return CliErrors.Report(verb, [$"--key: {ex.Message}"]);
        }

        return work(keys);
    }

    private static async Task<int> WithClientAsync(string url, string keyPath, string verb, Func<ChatClient, Task<int>> work)
    {
        ChatKeys keys;
        try
        {
            keys = ChatKeys.Read(keyPath);
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            return CliErrors.Report(verb, [$"--key: {ex.Message}"]);
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            return CliErrors.Report(verb, [$"--url: '{url}' is not an absolute URL"]);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        try
        {
            return await work(new ChatClient(http, url, keys));
        }
        catch (Exception ex) when (ex is HttpRequestException or FormatException or TaskCanceledException)
        {
            return CliErrors.Fail(verb, ex.Message);
        }
    }
}
