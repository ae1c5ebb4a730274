using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Aegis.Chat.Ui;

/// <summary>
/// Serves the SecureChat web UI at <c>/chat/</c> from resources inside this assembly (src/Aegis.Chat/wwwroot). The
/// same files work as a static site behind nginx (deploy/nginx/securechat.conf): every URL they use is same-origin
/// and relative to the site root.
/// </summary>
public static class ChatUi
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    public static void MapChatUi(this IEndpointRouteBuilder app)
    {
        // Routing treats "/chat" and "/chat/" alike, so the redirect that makes relative URLs resolve looks at the raw path.
        app.MapGet("/chat/{**file}", (HttpContext http, string? file) =>
            http.Request.Path.Value == "/chat" ? Results.Redirect("/chat/") : Serve(string.IsNullOrEmpty(file) ? "index.html" : file))
            .ExcludeFromDescription(); // the web UI's files, not an API route
    }

    private static IResult Serve(string file)
    {
        string name = "ui/chat/" + file;
        Assembly assembly = typeof(ChatUi).Assembly;
        if (file.Contains("..", StringComparison.Ordinal) || assembly.GetManifestResourceInfo(name) is null)
        {
            return Results.Json(new Api.ChatError("not_found", $"no file /chat/{file}"), Api.ChatJsonContext.Default.ChatError, statusCode: 404);
        }

        string type = Types.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream");
        return Results.Stream(assembly.GetManifestResourceStream(name)!, type);
    }
}
