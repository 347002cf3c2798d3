namespace Nkdump.Formats.Tests;

/// <summary>
/// Writes LZO1X streams code by code, with every kind of code the format has (also the ones
/// LZO1X-1 never writes: M1 matches, short first literal runs, end markers with a length), and
/// keeps the bytes they decode to. Valid streams to test a decompressor on and to mutate.
/// </summary>
internal sealed class Lzo1xStreamBuilder
{
    /// <summary>Match encodings: M1 (2 bytes after carried literals, or 3 far ones after a run of 4+), M2, M3, M4.</summary>
    public enum Kind
    {
        M1,
        M2,
        M3,
        M4,
    }

    // What may come next: the first code; anything after a match that carried no literals; a match
    // after 1..3 carried literals; a match after a literal run of 4 or more.
    private enum State
    {
        Start,
        AfterMatch,
        AfterCarried,
        AfterRun,
    }

    private readonly List<byte> _stream = [];
    private readonly List<byte> _output = [];
    private State _state = State.Start;

    public byte[] Stream => [.. _stream];

    public byte[] Output => [.. _output];

    public int OutputLength => _output.Count;

    /// <summary>Whether the next code must be a match (or the end).</summary>
    public bool MatchNext => _state is State.AfterCarried or State.AfterRun;

    /// <summary>Whether an M1 code fits here for this distance (its length is then <see cref="M1Length"/>).</summary>
    public bool M1Fits(int distance) => _state switch
    {
        State.AfterCarried => distance is >= 1 and <= 0x400,
        State.AfterRun => distance is >= 0x801 and <= 0xc00,
        _ => false,
    };

    /// <summary>The length of an M1 match here: 2 after carried literals, 3 after a run.</summary>
    public int M1Length => _state == State.AfterRun ? 3 : 2;

    /// <summary>
    /// A literal run. At the start, 1..238 bytes may use the first-byte form; after a match, 1..3
    /// ride in its last code bits and more take a run code (4 or more).
    /// </summary>
    public Lzo1xStreamBuilder Literals(ReadOnlySpan<byte> bytes, bool firstByteForm = true)
    {
        var n = bytes.Length;
        if (_state == State.Start && firstByteForm && n is >= 1 and <= 238)
        {
            _stream.Add((byte)(17 + n));
            _state = n < 4 ? State.AfterCarried : State.AfterRun;
        }
        else if (_state == State.AfterMatch && n <= 3)
        {
            if (n < 1)
            {
                throw new ArgumentException("an empty literal run");
            }

            _stream[^2] |= (byte)n;
            _state = State.AfterCarried;
        }
        else if (_state is State.Start or State.AfterMatch && n >= 4)
        {
            if (n <= 18)
            {
                _stream.Add((byte)(n - 3));
            }
            else
            {
                _stream.Add(0);
                Extension(n - 18);
            }

            _state = State.AfterRun;
        }
        else
        {
            throw new InvalidOperationException($"no literal run of {n} may come here ({_state})");
        }

        foreach (var b in bytes)
        {
            _stream.Add(b);
            _output.Add(b);
        }

        return this;
    }

    /// <summary>
    /// A match of <paramref name="length"/> bytes from <paramref name="distance"/> back, encoded as
    /// <paramref name="kind"/>. The distance may reach before the output's start (an invalid stream).
    /// </summary>
    public Lzo1xStreamBuilder Match(Kind kind, int distance, int length)
    {
        if (_state == State.Start)
        {
            throw new InvalidOperationException("a stream cannot start with a match");
        }

        switch (kind)
        {
            case Kind.M1:
                if (!M1Fits(distance) || length != M1Length)
                {
                    throw new ArgumentException($"no M1 match at {distance} of {length} here ({_state})");
                }

                var m1 = distance - (_state == State.AfterRun ? 0x801 : 1);
                _stream.Add((byte)((m1 & 3) << 2));
                _stream.Add((byte)(m1 >> 2));
                break;
            case Kind.M2:
                if (distance is < 1 or > 0x800 || length is < 3 or > 8)
                {
                    throw new ArgumentException($"no M2 match at {distance} of {length}");
                }

                _stream.Add((byte)(((length - 1) << 5) | (((distance - 1) & 7) << 2)));
                _stream.Add((byte)((distance - 1) >> 3));
                break;
            case Kind.M3:
                if (distance is < 1 or > 0x4000 || length < 3)
                {
                    throw new ArgumentException($"no M3 match at {distance} of {length}");
                }

                LengthCode(32, 31, length - 2);
                Distance(distance - 1);
                break;
            default:
                if (distance is < 0x4001 or > 0xbfff || length < 3)
                {
                    throw new ArgumentException($"no M4 match at {distance} of {length}");
                }

                LengthCode(16 | (((distance - 0x4000) >> 11) & 8), 7, length - 2);
                Distance((distance - 0x4000) & 0x3fff);
                break;
        }

        for (var i = 0; i < length; i++)
        {
            var from = _output.Count - distance;
            _output.Add(from >= 0 ? _output[from] : (byte)0);
        }

        _state = State.AfterMatch;
        return this;
    }

    /// <summary>The end marker: an M4 code of distance 0x4000, normally 0x11 0 0; any length bits may stand in it.</summary>
    public Lzo1xStreamBuilder End(int lengthBits = 1, int extensionZeros = 0, int carriedBits = 0)
    {
        _stream.Add((byte)(16 | lengthBits));
        if (lengthBits == 0)
        {
            _stream.AddRange(new byte[extensionZeros]);
            _stream.Add(1);
        }

        _stream.Add((byte)carriedBits);
        _stream.Add(0);
        return this;
    }

    private void LengthCode(int marker, int bits, int value)
    {
        if (value <= bits)
        {
            _stream.Add((byte)(marker | value));
            return;
        }

        _stream.Add((byte)marker);
        Extension(value - bits);
    }

    private void Extension(int rest)
    {
        while (rest > 255)
        {
            _stream.Add(0);
            rest -= 255;
        }

        _stream.Add((byte)rest);
    }

    private void Distance(int value)
    {
        _stream.Add((byte)((value & 0x3f) << 2));
        _stream.Add((byte)(value >> 6));
    }
}
