using F = Bramble.Import.Onnx.OnnxFields.StringStringEntry;

namespace Bramble.Import.Onnx;

/// <summary>Reads StringStringEntryProto (metadata_props, external_data).</summary>
internal static class OnnxEntries
{
    public static (string Key, string Value) ReadStringPair(WireReader r, WireType type, string field)
    {
        long old = r.EnterMessage(type, field);
        string key = "", value = "";
        while (r.NextField(out int f, out var t))
        {
            switch (f)
            {
                case F.Key: key = r.ReadString(t, "key"); break;
                case F.Value: value = r.ReadString(t, "value"); break;
                default: r.Skip(t, f); break;
            }
        }
        r.PopLimit(old);
        return (key, value);
    }
}
