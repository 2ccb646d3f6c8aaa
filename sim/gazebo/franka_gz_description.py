"""Builds the Franka's robot description for the Gazebo harness from franka_description's URDF.

franka_description's Gazebo options changed between releases (franka_ign_ros2_control blocks in
0.x, a 'world' link behind a `gazebo` argument in 1.x, none at all in 2.x, where franka_ros2's
franka_gazebo_bringup adds them), so the harness expands the plain robot (no ros2_control) and
owns the rest here: any ros2_control / gz_ros2_control blocks are removed, the robot's root is
fixed to a 'world' link at the origin (the world frame is the robot base frame, as in the
built-in simulator), and the children of sim/gazebo/urdf/gz_ros2_control.urdf are appended.

Standard library only, so CI (no ROS) tests it: tests/ros/gazebo-harness.test.ts.
"""
import xml.etree.ElementTree as ET

WORLD_LINK = 'world'
# Placeholders in the ros2_control fragment.
PREFIX_TOKEN = '@PREFIX@'
CONTROLLERS_TOKEN = '@CONTROLLERS@'


def _is_ros2_control_plugin_block(element):
    """A <gazebo> element that loads some ros2_control system (ign_ or gz_ros2_control)."""
    return element.tag == 'gazebo' and any(
        'ros2_control' in (plugin.get('filename', '') + plugin.get('name', ''))
        for plugin in element.iter('plugin'))


def _is_placeholder(link):
    """A link with no mass and no geometry (e.g. franka_description's 'base')."""
    return all(link.find(tag) is None for tag in ('inertial', 'visual', 'collision'))


def _root_link(robot):
    """The link that is no joint's child; ValueError unless there is exactly one."""
    children = {j.find('child').get('link') for j in robot.findall('joint')}
    roots = [link for link in robot.findall('link') if link.get('name') not in children]
    if len(roots) != 1:
        raise ValueError(f'expected one root link, found {[r.get("name") for r in roots]}')
    return roots[0]


def _anchor_to_world(robot):
    """Fix the robot to a 'world' link, dropping massless placeholder roots in between.

    Gazebo fixes a model whose URDF has a link named 'world'. A massless root (no inertial) would
    be dropped by the URDF to SDF conversion together with its children, so it is removed and
    its only fixed child joint's origin moves to the world joint.
    """
    if robot.find(f"link[@name='{WORLD_LINK}']") is not None:
        return
    root = _root_link(robot)
    origin = None
    while _is_placeholder(root):
        out = [j for j in robot.findall('joint') if j.find('parent').get('link') == root.get('name')]
        if len(out) != 1 or out[0].get('type') != 'fixed':
            break
        origin = out[0].find('origin')
        child = out[0].find('child').get('link')
        robot.remove(out[0])
        robot.remove(root)
        root = robot.find(f"link[@name='{child}']")
    robot.insert(0, ET.Element('link', {'name': WORLD_LINK}))
    joint = ET.SubElement(robot, 'joint', {'name': f'{WORLD_LINK}_joint', 'type': 'fixed'})
    ET.SubElement(joint, 'parent', {'link': WORLD_LINK})
    ET.SubElement(joint, 'child', {'link': root.get('name')})
    if origin is not None:
        joint.append(origin)


def assemble(urdf_xml, fragment_xml, prefix, controllers_path):
    """The robot description (URDF text) for gz_ros2_control.

    urdf_xml: the expanded franka_description robot; fragment_xml: gz_ros2_control.urdf;
    prefix: joint/link name prefix such as 'fr3_'; controllers_path: the controllers YAML.
    Raises ValueError when a joint the fragment controls is not in the robot.
    """
    robot = ET.fromstring(urdf_xml)
    for element in list(robot):
        if element.tag == 'ros2_control' or _is_ros2_control_plugin_block(element):
            robot.remove(element)
    _anchor_to_world(robot)

    fragment = ET.fromstring(fragment_xml.replace(PREFIX_TOKEN, prefix).replace(CONTROLLERS_TOKEN, controllers_path))
    joints = {j.get('name') for j in robot.findall('joint')}
    for controlled in fragment.iter('ros2_control'):
        missing = [j.get('name') for j in controlled.findall('joint') if j.get('name') not in joints]
        if missing:
            raise ValueError(f'joints {missing} are not in the robot description (robot_type or prefix {prefix!r} wrong?)')
    for element in fragment:
        robot.append(element)
    return ET.tostring(robot, encoding='unicode')
