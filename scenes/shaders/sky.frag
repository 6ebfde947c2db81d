#version 330
// Sky colour by direction: horizon to zenith gradient, the sun's glow and disc (scenes/_sky.py).
uniform vec4 sun_dir;
uniform vec4 sun_rgb;
uniform vec4 sky_zenith;
uniform vec4 haze_rgb;
in vec3 v_dir;
out vec4 frag_color;

void main() {
    vec3 d = normalize(v_dir);
    float up = clamp(d.z, 0.0, 1.0);
    vec3 c = mix(haze_rgb.rgb, sky_zenith.rgb, pow(up, 0.5));
    c = d.z < 0.0 ? haze_rgb.rgb * 0.85 : c;
    float cs = max(dot(d, sun_dir.xyz), 0.0);
    vec3 glow = sky_zenith.w * vec3(1.0, 0.72, 0.45);
    c += glow * pow(cs, 6.0) * 0.35 + sun_rgb.rgb * (pow(cs, 200.0) * 0.6 + smoothstep(0.99985, 0.9999, cs) * 2.0);
    frag_color = vec4(c, 1.0);
}
