#version 330
// Live CCTV video projected onto the city, many cameras in one pass ("Video Flashlights",
// Sawhney et al. 2002). Each tile binds a bounded list of cameras (slots); per slot:
//   view_i  world -> camera-local (x right, y forward, z up)
//   pos_i   xyz lens position, w range in metres
//   lens_i  xy tan(half fov) of the video's pinhole model, zw the same for the depth map
//   dist_i  x k1, y k2 (Brown radial distortion), z focal length in pixels, w opacity (0 = no frame yet)
//   vid_i   the latest frame (BGR as uploaded; Panda swaps to RGB), dep_i the depth map (metres)
// The slot declarations and calls (marked with @) are written by scenes/projectors.py.
in vec3 v_world;
in vec3 v_normal;
in vec4 v_color;
out vec4 frag_color;

uniform float video_on;
// x: depth-map texel angle (rad), y: absolute occlusion tolerance (m), z: edge fade width (uv)
uniform vec4 proj_params;

@SLOT_DECLARATIONS@

void paint(mat4 V, vec4 P, vec4 L, vec4 D, sampler2D vid, sampler2D dep, vec3 n,
           inout vec3 acc, inout float wsum, inout float cover) {
    vec3 c = (V * vec4(v_world, 1.0)).xyz;
    if (c.y <= 0.05) return;                       // behind the lens
    float dist = length(c);
    if (dist > P.w) return;                        // past the camera's useful range
    vec2 u = vec2(c.x, c.z) / c.y;                 // undistorted normalised image point
    vec2 duv = 0.5 + 0.5 * u / L.zw;
    if (any(lessThan(duv, vec2(0.0))) || any(greaterThan(duv, vec2(1.0)))) return;
    vec3 to_cam = (P.xyz - v_world) / dist;
    float facing = dot(n, to_cam);
    if (facing <= 0.02) return;                    // a back face: the camera sees the other side
    // where the lens really puts this point: the radial distortion, applied forwards
    float r2 = dot(u, u);
    vec2 d = u * (1.0 + D.x * r2 + D.y * r2 * r2);
    vec2 uv = 0.5 + 0.5 * d / L.xy;
    if (any(lessThan(uv, vec2(0.0))) || any(greaterThan(uv, vec2(1.0)))) return;
    // occlusion: something nearer to the camera along this ray hides this point
    float occluder = textureLod(dep, duv, 0.0).r;
    float tol = proj_params.y + dist * proj_params.x * 1.5 / max(facing, 0.15);
    if (dist > occluder + tol) return;
    // pixel density on this surface: focal px / distance, foreshortened by the incidence
    float ppm = D.z / dist * facing;
    float w = ppm * ppm;
    vec2 edge = min(uv, 1.0 - uv);
    float fade = smoothstep(0.0, proj_params.z, min(edge.x, edge.y));
    fade *= 1.0 - smoothstep(0.85 * P.w, P.w, dist);
    acc += w * fade * textureLod(vid, uv, 0.0).rgb;
    wsum += w * fade;
    cover = max(cover, fade * D.w);
}

void main() {
    vec3 n = normalize(v_normal);
    vec3 acc = vec3(0.0);
    float wsum = 0.0;
    float cover = 0.0;
@SLOT_CALLS@
    vec3 base = v_color.rgb;
    vec3 video = wsum > 1e-12 ? acc / wsum : base;
    frag_color = vec4(mix(base, video, cover * video_on), v_color.a);
}
